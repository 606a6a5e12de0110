// `kubectl get configmaps`: how many keys, text and binary together.
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, nameColumn } from './common.js';
import { doc } from './docs.js';

const keyCount = (m: unknown): number => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export const configMapTable: TableConvertor = {
  columns: [nameColumn(), column('Data', 'string', doc['ConfigMap.data']), ageColumn()],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', keyCount(obj.data) + keyCount(obj.binaryData), ageOf(obj.metadata.creationTimestamp, now)];
  },
};

export { keyCount };
