// `kubectl get secrets`: type and key count (never the values).
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, nameColumn } from './common.js';
import { keyCount } from './configmap.js';
import { doc } from './docs.js';

export const secretTable: TableConvertor = {
  columns: [nameColumn(), column('Type', 'string', doc['Secret.type']), column('Data', 'string', doc['Secret.data']), ageColumn()],
  cells(obj: KObject, now: Date) {
    const type = typeof obj.type === 'string' ? obj.type : '';
    return [obj.metadata.name ?? '', type, keyCount(obj.data), ageOf(obj.metadata.creationTimestamp, now)];
  },
};
