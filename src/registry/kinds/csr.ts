// certificates.k8s.io/v1 CertificateSigningRequest: cluster-scoped; the spec is fixed at creation
// (who asked is filled in by the API server's admission, apiserver/admission/certificates.ts),
// Approved/Denied come only through /approval, the certificate and Failed only through /status.
import type { KObject, ResourceDescriptor } from '../types.js';
import { csrTable } from '../tables/csr.js';
import { csrConditions, validateCsrCreate, validateCsrUpdate, type CsrCondition } from '../validation/csr.js';
import { asObject } from '../validation/common.js';

const nowRfc3339 = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Times the writer left out: now, or for a condition whose type and status did not change, the
 *  transition time it already had. */
function fillConditionTimes(next: KObject, old: KObject): void {
  const now = nowRfc3339();
  const before = csrConditions(old);
  for (const c of csrConditions(next)) {
    if (!c || typeof c !== 'object') continue;
    c.lastUpdateTime ||= now;
    c.lastTransitionTime ||= before.find((o) => o?.type === c.type && o?.status === c.status && o.lastTransitionTime)?.lastTransitionTime ?? now;
  }
}

/** PUT …/approval: only the conditions change; everything else stays as stored. */
function applyApproval(current: KObject, incoming: KObject): KObject {
  const next = structuredClone(current);
  const conditions = (asObject(incoming.status) as { conditions?: CsrCondition[] }).conditions;
  const status = { ...asObject(next.status) };
  if (conditions === undefined) delete status.conditions;
  else status.conditions = structuredClone(conditions);
  next.status = status;
  fillConditionTimes(next, current);
  return next;
}

/** Field table entries (registry/fields). */
export const csrTypes = {
  CertificateSigningRequest: 'apiVersion kind metadata:ObjectMeta spec:CertificateSigningRequestSpec status:CertificateSigningRequestStatus',
  CertificateSigningRequestSpec: 'request signerName expirationSeconds:int usages:[string] username uid groups:[string] extra:{[string]}',
  CertificateSigningRequestStatus: 'conditions:[CertificateSigningRequestCondition] certificate',
  CertificateSigningRequestCondition: 'type status reason message lastUpdateTime:time lastTransitionTime:time',
};

export const certificateSigningRequest: ResourceDescriptor = {
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  listKind: 'CertificateSigningRequestList',
  plural: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  shortNames: ['csr'],
  namespaced: false,
  generation: false,
  subresources: {
    status: true,
    parts: [{ name: 'approval', apply: applyApproval, validate: (next, old) => validateCsrUpdate(next, old, 'approval') }],
  },
  selectableFields: (obj) => ({ 'spec.signerName': String(asObject(obj.spec).signerName ?? '') }),
  prepareForCreate(obj) {
    // Who asked is the server's to say (admission fills it in), never the client's.
    const spec = asObject(obj.spec);
    for (const k of ['username', 'uid', 'groups', 'extra']) delete spec[k];
  },
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
  },
  validate: (obj, ctx) => (ctx.old ? validateCsrUpdate(obj, ctx.old, 'main') : validateCsrCreate(obj)),
  validateStatus: (obj, ctx) => validateCsrUpdate(obj, ctx.old!, 'status'),
  table: csrTable,
};
