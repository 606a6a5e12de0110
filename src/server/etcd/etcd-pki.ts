// Managed etcd's TLS: one CA for clients and peers (etcd checks both against it), made by the first
// server and handed to joiners; each member's own certificate covers its address for both roles.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createCertificateAuthority, issuePeerCertificate, RENEW_WITHIN_DAYS } from '../../pki/issue.js';
import { readIfExists, writeFileAtomic } from '../../pki/files.js';
import { leafCertificateProblem } from '../../pki/leaf-check.js';
import type { ManagedEtcdPaths } from './etcd-paths.js';

const MEMBER_CN = 'etcd-member';

export async function ensureEtcdPki(paths: ManagedEtcdPaths, address: string): Promise<{ written: string[] }> {
  const written: string[] = [];
  let [caCert, caKey] = (await Promise.all([readIfExists(paths.caCert), readIfExists(paths.caKey)])).map((b) => b?.toString('utf8'));
  if (caCert && caKey) {
    if (!new X509Certificate(caCert).checkPrivateKey(createPrivateKey(caKey))) throw new Error(`${paths.caCert} and ${paths.caKey} do not match; restore the pair from another server`);
  } else if (caCert || caKey) {
    throw new Error(`${caCert ? paths.caCert : paths.caKey} exists without its pair; restore both from another server's <data-dir>/server/tls/etcd`);
  } else {
    const ca = await createCertificateAuthority({ commonName: `k3ts-etcd-server-ca@${Math.floor(Date.now() / 1000)}` });
    await writeFileAtomic(paths.caKey, ca.keyPem, 0o600);
    await writeFileAtomic(paths.caCert, ca.certPem, 0o644);
    written.push(paths.caCert);
    [caCert, caKey] = [ca.certPem, ca.keyPem];
  }
  const sans = { ipAddresses: [...new Set([address, '127.0.0.1'])], dnsNames: ['localhost'] };
  const [cert, key] = (await Promise.all([readIfExists(paths.memberCert), readIfExists(paths.memberKey)])).map((b) => b?.toString('utf8'));
  const problem = cert && key ? leafCertificateProblem({ certPem: cert, keyPem: key, issuerCertPem: caCert!, commonName: MEMBER_CN, sans, renewWithinDays: RENEW_WITHIN_DAYS }) : 'missing';
  if (problem) {
    const pair = await issuePeerCertificate({ issuer: { certPem: caCert!, keyPem: caKey! }, commonName: MEMBER_CN, ...sans });
    await writeFileAtomic(paths.memberKey, pair.keyPem, 0o600);
    await writeFileAtomic(paths.memberCert, pair.certPem, 0o644);
    written.push(paths.memberCert);
  }
  return { written };
}
