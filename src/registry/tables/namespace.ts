// `kubectl get namespaces`: lifecycle phase.
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, field, nameColumn } from './common.js';

export const namespaceTable: TableConvertor = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', field<string>(obj, 'status', 'phase') ?? '', ageOf(obj.metadata.creationTimestamp, now)];
  },
};
