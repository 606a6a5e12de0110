import { X509Certificate } from 'node:crypto';
import { canonicalIp } from './ip.js';

/** What this package needs to know about a certificate, as node:crypto reads it. */
export interface CertificateFacts {
  der: Buffer;
  /** Node's text form, one `KEY=value` per line, e.g. `O=system:masters\nCN=system:admin`. */
  subject: string;
  /** The SubjectPublicKeyInfo, DER. */
  publicKeyInfoRaw: Buffer;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  /** Canonical text (RFC 5952 for IPv6). */
  ipAddresses: string[];
}

// Node prints SANs as `DNS:a, IP Address:1.2.3.4`, JSON-quoting any value that holds a comma,
// quote or other character that would make the list ambiguous.
const SAN_ENTRY = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;

export function subjectAltNames(text: string | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const [, kind, raw] of (text ?? '').matchAll(SAN_ENTRY)) {
    const value = raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!;
    if (kind === 'DNS') dnsNames.push(value);
    else if (kind === 'IP Address') {
      try {
        ipAddresses.push(canonicalIp(value));
      } catch {
        // `<invalid>`: an address of neither 4 nor 16 bytes covers nothing.
      }
    }
  }
  return { dnsNames, ipAddresses };
}

export function readCertificate(pemOrDer: string | Buffer): CertificateFacts {
  return certificateFacts(new X509Certificate(pemOrDer));
}

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  return {
    der: cert.raw,
    subject: cert.subject,
    publicKeyInfoRaw: cert.publicKey.export({ type: 'spki', format: 'der' }),
    // "Nov 22 16:43:00 2025 GMT", which Date parses; node 20 has no Date-valued accessors yet.
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    ...subjectAltNames(cert.subjectAltName),
  };
}
