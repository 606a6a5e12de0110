// `kubectl get leases`: who holds each lease.
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, field, nameColumn } from './common.js';
import { doc } from './docs.js';

export const leaseTable: TableConvertor = {
  columns: [nameColumn(), column('Holder', 'string', doc['LeaseSpec.holderIdentity']), ageColumn()],
  cells(obj: KObject, now: Date) {
    return [obj.metadata.name ?? '', field<string>(obj, 'spec', 'holderIdentity') ?? '', ageOf(obj.metadata.creationTimestamp, now)];
  },
};
