// The CertificateSigningRequest admission upstream runs as four plugins: the requester is recorded
// from the authenticated user (never taken from the client), approving or denying needs `approve`
// on the signer, writing a certificate needs `sign` on it, and the API server's client signer never
// issues a system:masters certificate.
import type { Authorizer } from '../authz.js';
import type { UserInfo } from '../authn.js';
import { errors } from '../errors.js';
import type { AdmissionPlugin, AdmissionRequest } from '../resources/context.js';
import type { KObject } from '../../registry/types.js';
import { readCertificateRequest } from '../../pki/certificate-request.js';
import { csrCertificate, csrSpec, decodeBytes } from '../../registry/validation/csr.js';

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
const ref = { group: 'certificates.k8s.io', resource: 'certificatesigningrequests' };

/** Whether the user holds `verb` on `signers` named after the signer, or on its whole domain (`example.com/*`). */
export async function mayUseSigner(authorizer: Authorizer, user: UserInfo, verb: 'approve' | 'sign', signerName: string): Promise<boolean> {
  const ask = (name: string) => authorizer.authorize(user, { kind: 'resource', verb, group: 'certificates.k8s.io', version: '*', resource: 'signers', name });
  if ((await ask(signerName)).allowed) return true;
  const slash = signerName.indexOf('/');
  return slash > 0 && (await ask(`${signerName.slice(0, slash)}/*`)).allowed;
}

function recordRequester(obj: KObject, user: UserInfo & { extra?: Record<string, string[]> }): void {
  const spec = (obj.spec ??= {}) as Record<string, unknown>;
  spec.username = user.name;
  if (user.uid) spec.uid = user.uid;
  if (user.groups.length) spec.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) spec.extra = structuredClone(user.extra);
}

function requestsMasters(obj: KObject): boolean {
  const bytes = decodeBytes(csrSpec(obj).request);
  if (!bytes) return false;
  try {
    return readCertificateRequest(bytes.toString('latin1')).organizations.includes('system:masters');
  } catch {
    return false; // validation has refused it already
  }
}

export function certificateSigningAdmission(o: { authorizer: Authorizer }): AdmissionPlugin {
  return {
    name: 'CertificateSigningRequests',
    async admit(req: AdmissionRequest) {
      const d = req.descriptor;
      if (d.group !== ref.group || d.plural !== ref.resource) return;
      const name = req.object.metadata.name ?? '';
      const signerName = String(csrSpec(req.object).signerName ?? '');
      if (req.operation === 'CREATE') {
        if (req.user) recordRequester(req.object, req.user as UserInfo);
        if (signerName === KUBE_APISERVER_CLIENT_SIGNER && requestsMasters(req.object)) {
          throw errors.forbidden(`${ref.resource}.${ref.group} "${name}" is forbidden: use of ${signerName} signer with system:masters group is not allowed`, ref, name);
        }
        return;
      }
      // The server's own controllers write without a user; their rights are their own code.
      if (!req.user) return;
      const user = req.user as UserInfo;
      if (req.subresource === 'approval' && !(await mayUseSigner(o.authorizer, user, 'approve', signerName))) {
        throw errors.forbidden(`${ref.resource}.${ref.group} "${name}" is forbidden: user not permitted to approve requests with signerName "${signerName}"`, ref, name);
      }
      if (req.subresource === 'status' && csrCertificate(req.object) !== csrCertificate(req.old) && !(await mayUseSigner(o.authorizer, user, 'sign', signerName))) {
        throw errors.forbidden(`${ref.resource}.${ref.group} "${name}" is forbidden: user not permitted to sign requests with signerName "${signerName}"`, ref, name);
      }
    },
  };
}
