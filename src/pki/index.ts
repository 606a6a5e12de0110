// The PKI's public surface; other layers import from here.
export { ensureServerPki, serverPkiPaths, ADMIN_USER, ADMIN_GROUP, SERVING_COMMON_NAME } from './server-pki.js';
export type { EnsureServerPkiOptions, ServerPki, ServerPkiPaths } from './server-pki.js';
export {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  CA_VALIDITY_DAYS,
  LEAF_VALIDITY_DAYS,
  RENEW_WITHIN_DAYS,
} from './issue.js';
export type { CertificateAndKey, CertificateIssuer, ClientCertificateOptions, ServingCertificateOptions } from './issue.js';
export { servingSubjectAltNames, missingSubjectAltNames, DEFAULT_SERVICE_IP } from './sans.js';
export type { SubjectAltNames, ServingSanOptions } from './sans.js';
export { leafCertificateProblem } from './leaf-check.js';
export { readCertificate } from './read-certificate.js';
export type { CertificateFacts } from './read-certificate.js';
export { caHash, parseToken, formatSecureToken, generateTokenSecret, ensureServerToken, SERVER_USERNAME } from './token.js';
export type { ParsedToken, TokenForm } from './token.js';
export { writeKubeconfig, renderKubeconfig, parseFileMode } from './kubeconfig.js';
export type { KubeconfigOptions } from './kubeconfig.js';
