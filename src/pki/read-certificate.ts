import { children, pemToDer, readNode, readOid, readTime, Tag, type DerNode } from './der.js';
import { bytesToIp } from './ip.js';

/** What this package needs to know about a certificate, read straight from its DER. */
export interface CertificateFacts {
  der: Buffer;
  /** The subject Name exactly as encoded: a child's issuer field must repeat these bytes. */
  subjectRaw: Buffer;
  /** The SubjectPublicKeyInfo exactly as encoded. */
  publicKeyInfoRaw: Buffer;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  /** Canonical text (RFC 5952 for IPv6). */
  ipAddresses: string[];
}

const SUBJECT_ALT_NAME = '2.5.29.17';

export function readCertificate(pemOrDer: string | Buffer): CertificateFacts {
  const der = typeof pemOrDer === 'string' ? pemToDer(pemOrDer) : pemOrDer;
  const [tbs] = children(readNode(der));
  if (!tbs || tbs.tag !== Tag.sequence) throw new Error('not an X.509 certificate');
  const fields = children(tbs);
  if (fields[0]?.tag === 0xa0) fields.shift(); // version
  const [, , , validity, subject, spki, ...optional] = fields; // serial, signature, issuer
  if (!validity || !subject || !spki) throw new Error('truncated X.509 certificate');
  const [notBefore, notAfter] = children(validity).map(readTime);

  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const extensions = optional.find((n) => n.tag === 0xa3);
  for (const ext of extensions ? children(children(extensions)[0]!) : []) {
    const parts = children(ext);
    if (readOid(parts[0]!) !== SUBJECT_ALT_NAME) continue;
    const value = parts[parts.length - 1]!; // after the optional critical flag
    for (const name of children(readNode(value.value))) readGeneralName(name, dnsNames, ipAddresses);
  }
  return { der, subjectRaw: subject.raw, publicKeyInfoRaw: spki.raw, notBefore: notBefore!, notAfter: notAfter!, dnsNames, ipAddresses };
}

function readGeneralName(name: DerNode, dnsNames: string[], ipAddresses: string[]): void {
  if (name.tag === 0x82) dnsNames.push(name.value.toString('ascii'));
  else if (name.tag === 0x87) ipAddresses.push(bytesToIp(name.value));
}
