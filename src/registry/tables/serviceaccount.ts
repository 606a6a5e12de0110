// `kubectl get serviceaccounts`: how many secrets are referenced.
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, nameColumn } from './common.js';
import { doc } from './docs.js';

export const serviceAccountTable: TableConvertor = {
  columns: [nameColumn(), column('Secrets', 'string', doc['ServiceAccount.secrets']), ageColumn()],
  cells(obj: KObject, now: Date) {
    const secrets = Array.isArray(obj.secrets) ? obj.secrets.length : 0;
    return [obj.metadata.name ?? '', secrets, ageOf(obj.metadata.creationTimestamp, now)];
  },
};
