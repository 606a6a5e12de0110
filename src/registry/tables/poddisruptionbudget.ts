// `kubectl get pdb` (1.32 layout): the budget as given, and the disruptions it allows now.
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, int, nameColumn } from './common.js';

const shown = (v: number | string | undefined) => (v === undefined || v === null ? 'N/A' : String(v));

export const podDisruptionBudgetTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'Pods that must stay available, a number or a percentage.'),
    column('Max Unavailable', 'string', 'Pods that may be unavailable, a number or a percentage.'),
    column('Allowed Disruptions', 'integer', 'Pod disruptions allowed now.'),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    const pdb = obj as unknown as PodDisruptionBudget;
    return [obj.metadata.name ?? '', shown(pdb.spec?.minAvailable), shown(pdb.spec?.maxUnavailable), int(pdb.status?.disruptionsAllowed), ageOf(obj.metadata.creationTimestamp, now)];
  },
};
