import { createPrivateKey, X509Certificate } from 'node:crypto';
import { certificateFacts } from './read-certificate.js';
import { missingSubjectAltNames, type SubjectAltNames } from './sans.js';

export interface LeafCheckOptions {
  certPem: string;
  keyPem: string;
  issuerCertPem: string;
  /** Expected subject CN and O values, in any order. */
  commonName: string;
  organizations?: string[];
  /** Names the certificate must cover (a subset check: extra names are fine). */
  sans?: SubjectAltNames;
  renewWithinDays: number;
  now?: Date;
}

function subjectValues(subject: string, key: string): string[] {
  return subject
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

/** Why a certificate on disk must be re-issued, or undefined when it is still good. */
export function leafCertificateProblem(options: LeafCheckOptions): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(options.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(options.keyPem))) return 'key does not match certificate';
  } catch (error) {
    return `unreadable (${(error as Error).message})`;
  }
  const issuer = new X509Certificate(options.issuerCertPem);
  if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return 'not signed by the current CA';
  if (subjectValues(cert.subject, 'CN').join() !== options.commonName) return `subject CN is not ${options.commonName}`;
  const wantedOrgs = [...(options.organizations ?? [])].sort().join();
  if (subjectValues(cert.subject, 'O').sort().join() !== wantedOrgs) return `subject O is not ${wantedOrgs || '(none)'}`;
  const facts = certificateFacts(cert);
  const now = (options.now ?? new Date()).getTime();
  if (facts.notBefore.getTime() > now) return 'not valid yet (clock went back?)';
  if (facts.notAfter.getTime() - now < options.renewWithinDays * 86_400_000) return `expires ${facts.notAfter.toISOString()}`;
  if (options.sans) {
    const missing = missingSubjectAltNames(options.sans, facts);
    if (missing.length) return `lacks ${missing.join(', ')}`;
  }
  return undefined;
}
