// `kubectl get csr`: upstream's columns, the condition summarised as Denied/Approved/Pending with
// ",Failed" and ",Issued" appended.
import type { KObject, TableConvertor } from '../types.js';
import { ageOf, humanDuration } from './age.js';
import { column, field, nameColumn, ageColumn } from './common.js';

export function csrConditionSummary(obj: KObject): string {
  const conditions = field<Array<{ type?: string }>>(obj, 'status', 'conditions') ?? [];
  const has = (t: string) => conditions.some((c) => c?.type === t);
  let out = has('Denied') ? 'Denied' : has('Approved') ? 'Approved' : 'Pending';
  if (has('Failed')) out += ',Failed';
  if (field<string>(obj, 'status', 'certificate')) out += ',Issued';
  return out;
}

export const csrTable: TableConvertor = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.'),
    column('Requestor', 'string', 'Base64-encoded PKCS#10 CSR data'),
    column('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    column('Condition', 'string', 'Conditions applied to the request, such as approval or denial.'),
  ],
  cells(obj: KObject, now: Date) {
    const seconds = field<number>(obj, 'spec', 'expirationSeconds');
    return [
      obj.metadata.name ?? '',
      ageOf(obj.metadata.creationTimestamp, now),
      field<string>(obj, 'spec', 'signerName') || '<none>',
      field<string>(obj, 'spec', 'username') ?? '',
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      csrConditionSummary(obj),
    ];
  },
};
