// Which requests each built-in signer will issue, with upstream's reasons when it will not. A
// request that fails here gets a Failed condition (SignerValidationFailure) instead of a certificate.
import type { CertificateRequestFacts } from '../../pki/certificate-request.js';

export type SignerName = 'kubernetes.io/kube-apiserver-client' | 'kubernetes.io/kube-apiserver-client-kubelet' | 'kubernetes.io/kubelet-serving';

/** Which of the server's CAs signs: the client CA the API server trusts for client certificates, or
 *  the server CA every kubeconfig pins (the one k3ts' own serving certificates come from). */
export type CaRole = 'client' | 'serving';

export interface SignerRule {
  ca: CaRole;
  /** Why the request does not fit this signer, or undefined when it does. */
  problem(request: CertificateRequestFacts, usages: readonly string[]): string | undefined;
}

const sameSet = (a: readonly string[], b: readonly string[]) => new Set(a).size === b.length && b.every((x) => a.includes(x));
const onlyNodes = (r: CertificateRequestFacts) => r.organizations.length === 1 && r.organizations[0] === 'system:nodes';

function apiServerClient(r: CertificateRequestFacts, usages: readonly string[]): string | undefined {
  for (const u of usages) {
    if (u !== 'digital signature' && u !== 'key encipherment' && u !== 'client auth') return `invalid usage for client certificate: ${u}`;
  }
  if (!usages.includes('client auth')) return 'missing required usage for client certificate: client auth';
  // Not an upstream rule: a certificate without a common name would authenticate as the empty user.
  if (!r.commonName) return 'subject common name is required: it becomes the user name';
  return undefined;
}

function kubeletClient(r: CertificateRequestFacts, usages: readonly string[]): string | undefined {
  if (!onlyNodes(r)) return 'subject organization is not system:nodes';
  if (r.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (r.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (r.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (r.uris.length) return 'URI subjectAltNames are not allowed';
  if (!r.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, ['digital signature', 'key encipherment', 'client auth']) && !sameSet(usages, ['digital signature', 'client auth'])) {
    return 'usages did not match [client auth digital signature key encipherment]';
  }
  return undefined;
}

function kubeletServing(r: CertificateRequestFacts, usages: readonly string[]): string | undefined {
  if (!onlyNodes(r)) return 'subject organization is not system:nodes';
  if (!r.dnsNames.length && !r.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  if (r.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (r.uris.length) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, ['digital signature', 'key encipherment', 'server auth']) && !sameSet(usages, ['digital signature', 'server auth'])) {
    return 'usages did not match [digital signature key encipherment server auth]';
  }
  if (!r.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

export const SIGNER_RULES: Readonly<Record<SignerName, SignerRule>> = {
  'kubernetes.io/kube-apiserver-client': { ca: 'client', problem: apiServerClient },
  'kubernetes.io/kube-apiserver-client-kubelet': { ca: 'client', problem: kubeletClient },
  'kubernetes.io/kubelet-serving': { ca: 'serving', problem: kubeletServing },
};

export const signerRuleFor = (name: string): SignerRule | undefined => (Object.hasOwn(SIGNER_RULES, name) ? SIGNER_RULES[name as SignerName] : undefined);
