import { buildCertificate, type DistinguishedName } from './build-certificate.js';
import { generateKeyPair, privateKeyToPem, signingKeyFromPem } from './keys.js';
import { CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS } from './validity.js';

export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

/** A CA that can sign: its certificate and private key, both PEM. */
export type CertificateIssuer = CertificateAndKey;

export { CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS, RENEW_WITHIN_DAYS } from './validity.js';

const DAY_MS = 86_400_000;
// Back-dated so a node whose clock is a little behind the server's still accepts a fresh certificate.
const CLOCK_SKEW_MS = 5 * 60_000;

interface ValidityOptions {
  now?: Date;
  validityDays?: number;
}

function validity({ now = new Date(), validityDays }: ValidityOptions, defaultDays: number) {
  return {
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + (validityDays ?? defaultDays) * DAY_MS),
  };
}

/** A self-signed CA with a fresh EC P-256 key. Async: WebCrypto is, and @peculiar/x509 is loaded on first use. */
export async function createCertificateAuthority(options: { commonName: string } & ValidityOptions): Promise<CertificateAndKey> {
  const keys = await generateKeyPair();
  const certPem = await buildCertificate({
    subject: { commonName: options.commonName },
    publicKey: keys.publicKey,
    profile: 'ca',
    ...validity(options, CA_VALIDITY_DAYS),
    signer: { key: keys.privateKey },
  });
  return { certPem, keyPem: privateKeyToPem(keys.privateKey) };
}

async function issueLeaf(
  options: { issuer: CertificateIssuer; subject: DistinguishedName; profile: 'server' | 'client' | 'peer'; dnsNames?: string[]; ipAddresses?: string[] } & ValidityOptions,
): Promise<CertificateAndKey> {
  const [keys, signingKey] = await Promise.all([generateKeyPair(), signingKeyFromPem(options.issuer.keyPem)]);
  const certPem = await buildCertificate({
    subject: options.subject,
    publicKey: keys.publicKey,
    profile: options.profile,
    dnsNames: options.dnsNames,
    ipAddresses: options.ipAddresses,
    ...validity(options, LEAF_VALIDITY_DAYS),
    signer: { key: signingKey, certPem: options.issuer.certPem },
  });
  return { certPem, keyPem: privateKeyToPem(keys.privateKey) };
}

export interface ServingCertificateOptions extends ValidityOptions {
  issuer: CertificateIssuer;
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
}

/** A TLS server certificate (extKeyUsage serverAuth) with a fresh key. */
export function issueServingCertificate(options: ServingCertificateOptions): Promise<CertificateAndKey> {
  return issueLeaf({ ...options, subject: { commonName: options.commonName ?? 'kube-apiserver' }, profile: 'server' });
}

export interface ClientCertificateOptions extends ValidityOptions {
  issuer: CertificateIssuer;
  /** The Kubernetes user name, e.g. `system:admin` or `system:node:<name>`. */
  commonName: string;
  /** The Kubernetes groups, e.g. `system:masters` or `system:nodes`. */
  organizations?: string[];
}

/** A TLS client certificate (extKeyUsage clientAuth) with a fresh key. */
export function issueClientCertificate(options: ClientCertificateOptions): Promise<CertificateAndKey> {
  return issueLeaf({ ...options, subject: { commonName: options.commonName, organizations: options.organizations }, profile: 'client' });
}

/** A certificate for both ends of TLS (serverAuth and clientAuth), as etcd members use for peers. */
export function issuePeerCertificate(options: ServingCertificateOptions & { commonName: string }): Promise<CertificateAndKey> {
  return issueLeaf({ ...options, subject: { commonName: options.commonName }, profile: 'peer' });
}
