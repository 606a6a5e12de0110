// `kubectl get networkpolicies`: which pods each policy selects.
import type { KObject, TableConvertor } from '../types.js';
import type { LabelSelectorObject } from '../selectors/label.js';
import { ageOf } from './age.js';
import { ageColumn, column, field, formatLabelSelector, nameColumn } from './common.js';
import { doc } from './docs.js';

export const networkPolicyTable: TableConvertor = {
  columns: [nameColumn(), column('Pod-Selector', 'string', doc['NetworkPolicySpec.podSelector']), ageColumn()],
  cells(obj: KObject, now: Date) {
    // An absent selector is the empty one here, as upstream's struct field is: it selects every pod.
    const selector = field<LabelSelectorObject>(obj, 'spec', 'podSelector') ?? {};
    return [obj.metadata.name ?? '', formatLabelSelector(selector), ageOf(obj.metadata.creationTimestamp, now)];
  },
};
