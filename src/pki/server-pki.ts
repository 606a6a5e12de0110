import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { ensureMode, readIfExists, writeFileAtomic } from './files.js';
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  RENEW_WITHIN_DAYS,
  type CertificateAndKey,
  type CertificateIssuer,
} from './issue.js';
import { leafCertificateProblem } from './leaf-check.js';
import { servingSubjectAltNames, type ServingSanOptions, type SubjectAltNames } from './sans.js';
import { ensureServerToken } from './token.js';

// Two CAs, as K3s has: server-ca signs what the API server presents (clients pin it, the token
// hashes it), client-ca signs user and node identities. Either can then be replaced or shared
// with other components without one trust decision leaking into the other.

export const ADMIN_USER = 'system:admin';
export const ADMIN_GROUP = 'system:masters';
export const SERVING_COMMON_NAME = 'kube-apiserver';

export interface ServerPkiPaths {
  tlsDir: string;
  serverCaCert: string;
  serverCaKey: string;
  clientCaCert: string;
  clientCaKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  token: string;
}

export function serverPkiPaths(dataDir: string): ServerPkiPaths {
  const tlsDir = join(dataDir, 'server', 'tls');
  const file = (name: string) => join(tlsDir, name);
  return {
    tlsDir,
    serverCaCert: file('server-ca.crt'),
    serverCaKey: file('server-ca.key'),
    clientCaCert: file('client-ca.crt'),
    clientCaKey: file('client-ca.key'),
    servingCert: file('serving-kube-apiserver.crt'),
    servingKey: file('serving-kube-apiserver.key'),
    adminCert: file('client-admin.crt'),
    adminKey: file('client-admin.key'),
    token: join(dataDir, 'server', 'token'),
  };
}

export interface EnsureServerPkiOptions extends Pick<ServingSanOptions, 'hostname' | 'interfaces' | 'clusterDomain'> {
  dataDir: string;
  /** `--tls-san` values (IPs or DNS names). */
  tlsSans?: string[];
  /** ClusterIP of the `kubernetes` Service; default 10.43.0.1. */
  serviceIP?: string;
  /** `--token` given by the operator; its secret becomes the server token's password. */
  token?: string;
  /** For tests of expiry. */
  now?: Date;
}

export interface ServerPki {
  paths: ServerPkiPaths;
  /** Signs serving certificates; clients trust its certificate (`caPem`). */
  serverCa: CertificateIssuer;
  /** Signs client certificates (admin, nodes); the API server verifies client certs with `clientCaPem`. */
  clientCa: CertificateIssuer;
  /** server-ca.crt: the kubeconfig `certificate-authority-data`, and what the token hashes. */
  caPem: string;
  /** client-ca.crt: the API server's TLS `ca` for `requestCert`. */
  clientCaPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  /** `K10<sha256(server-ca.crt)>::server:<secret>` */
  token: string;
  /** The names the serving certificate was required to cover. */
  sans: SubjectAltNames;
  /** What this call wrote and why; empty on a warm start with nothing to renew. */
  written: Array<{ path: string; reason: string }>;
}

type Written = ServerPki['written'];

async function readPair(certPath: string, keyPath: string): Promise<Partial<CertificateAndKey>> {
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  return { certPem: cert?.toString('utf8'), keyPem: key?.toString('utf8') };
}

async function writePair(pair: CertificateAndKey, certPath: string, keyPath: string, reason: string, written: Written) {
  // Key first: a crash in between leaves a key without its certificate, which is re-issued next start.
  await writeFileAtomic(keyPath, pair.keyPem, 0o600);
  await writeFileAtomic(certPath, pair.certPem, 0o644);
  written.push({ path: keyPath, reason }, { path: certPath, reason });
}

/** Why a CA certificate and key on disk cannot be used together, or undefined when they can. */
function caPairProblem(certPem: string, keyPem: string): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    return `the certificate is unreadable (${(error as Error).message})`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'the key does not match the certificate';
  } catch (error) {
    return `the key is unreadable (${(error as Error).message})`;
  }
  return undefined;
}

async function ensureCa(name: string, certPath: string, keyPath: string, now: Date | undefined, written: Written): Promise<CertificateIssuer> {
  const existing = await readPair(certPath, keyPath);
  if (existing.certPem && existing.keyPem) {
    // A CA is never replaced automatically: every agent and kubeconfig pins it. A corrupt or
    // mismatched pair stops the start rather than re-keying the cluster, or signing leaves that
    // no client would accept.
    const problem = caPairProblem(existing.certPem, existing.keyPem);
    if (problem) {
      throw new Error(
        `${certPath} and ${keyPath}: ${problem}; restore the matching pair, or delete both to create a new CA — every node and kubeconfig must then be re-issued`,
      );
    }
    await ensureMode(keyPath, 0o600);
    return existing as CertificateIssuer;
  }
  if (existing.certPem || existing.keyPem) {
    throw new Error(
      `${existing.certPem ? certPath : keyPath} exists without its pair; restore ${existing.certPem ? keyPath : certPath}, or delete both to create a new CA (every node must then rejoin)`,
    );
  }
  const ca = await createCertificateAuthority({ commonName: `k3ts-${name}@${Math.floor((now ?? new Date()).getTime() / 1000)}`, now });
  await writePair(ca, certPath, keyPath, 'new CA', written);
  return ca;
}

interface LeafSpec {
  certPath: string;
  keyPath: string;
  issuer: CertificateIssuer;
  commonName: string;
  organizations?: string[];
  sans?: SubjectAltNames;
  issue: () => Promise<CertificateAndKey>;
}

async function ensureLeaf(spec: LeafSpec, now: Date | undefined, written: Written): Promise<CertificateAndKey> {
  const existing = await readPair(spec.certPath, spec.keyPath);
  const problem =
    existing.certPem && existing.keyPem
      ? leafCertificateProblem({
          certPem: existing.certPem,
          keyPem: existing.keyPem,
          issuerCertPem: spec.issuer.certPem,
          commonName: spec.commonName,
          organizations: spec.organizations,
          sans: spec.sans,
          renewWithinDays: RENEW_WITHIN_DAYS,
          now,
        })
      : 'missing';
  if (!problem) {
    await ensureMode(spec.keyPath, 0o600);
    return existing as CertificateAndKey;
  }
  const pair = await spec.issue();
  await writePair(pair, spec.certPath, spec.keyPath, problem, written);
  return pair;
}

/**
 * Creates on first start, and checks on every start, the server's CAs, serving and admin
 * certificates and token under `<dataDir>/server/`. Idempotent: valid files are read, never rewritten.
 */
export async function ensureServerPki(options: EnsureServerPkiOptions): Promise<ServerPki> {
  const paths = serverPkiPaths(options.dataDir);
  const { now } = options;
  const written: Written = [];
  const sans = servingSubjectAltNames({ ...options, extraSans: options.tlsSans });

  const [serverCa, clientCa] = await Promise.all([
    ensureCa('server-ca', paths.serverCaCert, paths.serverCaKey, now, written),
    ensureCa('client-ca', paths.clientCaCert, paths.clientCaKey, now, written),
  ]);
  const [serving, admin, token] = await Promise.all([
    ensureLeaf(
      {
        certPath: paths.servingCert,
        keyPath: paths.servingKey,
        issuer: serverCa,
        commonName: SERVING_COMMON_NAME,
        sans,
        issue: () => issueServingCertificate({ issuer: serverCa, commonName: SERVING_COMMON_NAME, ...sans, now }),
      },
      now,
      written,
    ),
    ensureLeaf(
      {
        certPath: paths.adminCert,
        keyPath: paths.adminKey,
        issuer: clientCa,
        commonName: ADMIN_USER,
        organizations: [ADMIN_GROUP],
        issue: () => issueClientCertificate({ issuer: clientCa, commonName: ADMIN_USER, organizations: [ADMIN_GROUP], now }),
      },
      now,
      written,
    ),
    // The token hashes the CA file's bytes as stored, which is what agents download from /cacerts.
    readIfExists(paths.serverCaCert).then((caBytes) => ensureServerToken({ path: paths.token, caPem: caBytes!, token: options.token })),
  ]);
  if (token.written) written.push({ path: paths.token, reason: 'new token' });

  return {
    paths,
    serverCa,
    clientCa,
    caPem: serverCa.certPem,
    clientCaPem: clientCa.certPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
    token: token.token,
    sans,
    written,
  };
}
