// Reading a PKCS#10 certificate signing request and checking its signature, synchronously, with
// node:crypto: the API server validates every CertificateSigningRequest as it is written.
import { createPublicKey, verify } from 'node:crypto';
import { childrenOf, contentOf, decodeOid, DerError, readNode, TAG, type DerNode } from './der.js';

export interface CertificateRequestFacts {
  /** The whole request, DER. */
  der: Uint8Array;
  /** The subject Name, DER, copied into the certificate as encoded. */
  subjectDer: Uint8Array;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** SubjectPublicKeyInfo, DER. */
  publicKeyDer: Uint8Array;
  /** The subjectAltName extension as requested, copied into the certificate. */
  subjectAltName?: { critical: boolean; value: Uint8Array };
}

/** A request that is not a readable, correctly signed CSR; the message reads as Go's for the same fault. */
export class CertificateRequestError extends Error {}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
};

// Signature algorithm → the digest node:crypto verifies with (null: the algorithm names none).
const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

/** The first PEM block of the text; a request must be a CERTIFICATE REQUEST block, as upstream demands. */
function pemBlock(pem: string): Uint8Array {
  const m = /-----BEGIN ([^\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || m[1] !== 'CERTIFICATE REQUEST') throw new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST');
  // Optional RFC 1421 headers end with an empty line.
  const body = m[2]!.includes(':') ? m[2]!.split(/\r?\n\r?\n/).slice(-1)[0]! : m[2]!;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (der.length === 0) throw new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST');
  return der;
}

function decodeString(bytes: Uint8Array, node: DerNode): string {
  const raw = Buffer.from(contentOf(bytes, node));
  if (node.tag === 0x1e) return raw.swap16().toString('utf16le'); // BMPString
  return node.tag === 0x0c ? raw.toString('utf8') : raw.toString('latin1');
}

function readName(bytes: Uint8Array, name: DerNode): { commonName: string; organizations: string[] } {
  let commonName = '';
  const organizations: string[] = [];
  for (const rdn of childrenOf(bytes, name)) {
    for (const attr of childrenOf(bytes, rdn)) {
      const [type, value] = childrenOf(bytes, attr);
      if (!type || !value || type.tag !== TAG.OID) throw new DerError('bad name attribute');
      const oid = decodeOid(contentOf(bytes, type));
      if (oid === OID.commonName) commonName = decodeString(bytes, value);
      else if (oid === OID.organization) organizations.push(decodeString(bytes, value));
    }
  }
  return { commonName, organizations };
}

function ipText(raw: Uint8Array): string {
  if (raw.length === 4) return [...raw].join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) groups.push(((raw[i]! << 8) | raw[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function readAltNames(value: Uint8Array, facts: Pick<CertificateRequestFacts, 'dnsNames' | 'ipAddresses' | 'emailAddresses' | 'uris'>): void {
  const seq = readNode(value, 0);
  for (const name of childrenOf(value, seq)) {
    const text = () => Buffer.from(contentOf(value, name)).toString('latin1');
    if (name.tag === 0x81) facts.emailAddresses.push(text());
    else if (name.tag === 0x82) facts.dnsNames.push(text());
    else if (name.tag === 0x86) facts.uris.push(text());
    else if (name.tag === 0x87) facts.ipAddresses.push(ipText(contentOf(value, name)));
  }
}

function parse(der: Uint8Array): { facts: CertificateRequestFacts; signed: Uint8Array; algorithm: string; signature: Uint8Array } {
  const top = readNode(der, 0);
  if (top.tag !== TAG.SEQUENCE || top.end !== der.length) throw new DerError('not a sequence');
  const [info, algorithm, signature] = childrenOf(der, top);
  if (!info || !algorithm || !signature || signature.tag !== TAG.BIT_STRING) throw new DerError('missing parts');
  const [version, subject, spki, attributes] = childrenOf(der, info);
  if (version?.tag !== TAG.INTEGER || subject?.tag !== TAG.SEQUENCE || spki?.tag !== TAG.SEQUENCE) throw new DerError('bad request info');
  const facts: CertificateRequestFacts = {
    der,
    subjectDer: der.subarray(subject.start, subject.end),
    ...readName(der, subject),
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    publicKeyDer: der.subarray(spki.start, spki.end),
  };
  if (attributes?.tag === 0xa0) {
    for (const attr of childrenOf(der, attributes)) {
      const [type, values] = childrenOf(der, attr);
      if (type?.tag !== TAG.OID || decodeOid(contentOf(der, type)) !== OID.extensionRequest || !values) continue;
      for (const extensions of childrenOf(der, values)) {
        for (const ext of childrenOf(der, extensions)) {
          const parts = childrenOf(der, ext);
          if (parts[0]?.tag !== TAG.OID || decodeOid(contentOf(der, parts[0])) !== OID.subjectAltName) continue;
          const critical = parts.length === 3 && contentOf(der, parts[1]!)[0] !== 0;
          const value = contentOf(der, parts[parts.length - 1]!);
          facts.subjectAltName = { critical, value };
          readAltNames(value, facts);
        }
      }
    }
  }
  const [algOid] = childrenOf(der, algorithm);
  if (algOid?.tag !== TAG.OID) throw new DerError('bad signature algorithm');
  const bits = contentOf(der, signature);
  return { facts, signed: der.subarray(info.start, info.end), algorithm: decodeOid(contentOf(der, algOid)), signature: bits.subarray(1) };
}

/** Parses a PEM CSR and checks that its own key signed it; throws CertificateRequestError. */
export function readCertificateRequest(pem: string): CertificateRequestFacts {
  const der = pemBlock(pem);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(der);
  } catch (err) {
    if (err instanceof DerError) throw new CertificateRequestError(`x509: malformed certificate request (${err.message})`);
    throw err;
  }
  const digest = SIGNATURE_DIGESTS[parsed.algorithm];
  if (digest === undefined) throw new CertificateRequestError(`x509: cannot verify signature: algorithm unimplemented (${parsed.algorithm})`);
  let ok: boolean;
  try {
    const key = createPublicKey({ key: Buffer.from(parsed.facts.publicKeyDer), format: 'der', type: 'spki' });
    ok = verify(digest, parsed.signed, key, parsed.signature);
  } catch (err) {
    throw new CertificateRequestError(`x509: malformed public key or signature (${(err as Error).message})`);
  }
  if (!ok) throw new CertificateRequestError('x509: certificate request signature verification failure');
  return parsed.facts;
}
