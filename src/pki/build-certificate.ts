import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import { ipToBytes } from './ip.js';
import { readCertificate } from './read-certificate.js';

export type CertificateProfile = 'ca' | 'server' | 'client';

export interface DistinguishedName {
  commonName: string;
  organizations?: string[];
}

export interface BuildCertificateOptions {
  subject: DistinguishedName;
  /** The key the certificate is for. A KeyObject that is private is reduced to its public half. */
  publicKey: KeyObject;
  profile: CertificateProfile;
  notBefore: Date;
  notAfter: Date;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Signs the certificate; without certPem the certificate is self-signed with this key. */
  signer: { key: KeyObject; certPem?: string };
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

// No keyEncipherment: these keys are EC, which never encrypt a premaster secret.
const KeyUsageBit = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

/** Organizations first, then CN: the order Go writes, so `openssl x509 -subject` reads like K3s' certs. */
function encodeName(name: DistinguishedName): Buffer {
  const rdn = (type: string, value: string) => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(
    ...(name.organizations ?? []).map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, name.commonName),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.oid(id), ...(critical ? [der.booleanTrue()] : []), der.octetString(value));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKeyInfo: Buffer): Buffer {
  const bits = der.children(der.readNode(publicKeyInfo))[1]!;
  return createHash('sha1').update(bits.value.subarray(1)).digest();
}

/** 127 random bits, positive and minimal as DER (and Go's parser) insist. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

function profileExtensions(profile: CertificateProfile): Buffer[] {
  if (profile === 'ca') {
    return [
      extension(OID.basicConstraints, true, der.sequence(der.booleanTrue())),
      extension(OID.keyUsage, true, der.namedBits([KeyUsageBit.digitalSignature, KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign])),
    ];
  }
  return [
    extension(OID.basicConstraints, true, der.sequence()),
    extension(OID.keyUsage, true, der.namedBits([KeyUsageBit.digitalSignature])),
    extension(OID.extKeyUsage, false, der.sequence(der.oid(profile === 'server' ? OID.serverAuth : OID.clientAuth))),
  ];
}

export function buildCertificate(options: BuildCertificateOptions): string {
  const publicKeyInfo = createPublicKey(options.publicKey).export({ type: 'spki', format: 'der' });
  const issuerFacts = options.signer.certPem ? readCertificate(options.signer.certPem) : undefined;
  const issuerName = issuerFacts?.subjectRaw ?? encodeName(options.subject);
  const issuerKeyId = keyIdentifier(issuerFacts?.publicKeyInfoRaw ?? publicKeyInfo);

  const names = [
    ...(options.dnsNames ?? []).map((n) => der.implicit(2, Buffer.from(n, 'ascii'))),
    ...(options.ipAddresses ?? []).map((ip) => der.implicit(7, ipToBytes(ip))),
  ];
  const extensions = [
    ...profileExtensions(options.profile),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(publicKeyInfo))),
    ...(issuerFacts ? [extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, issuerKeyId)))] : []),
    ...(names.length ? [extension(OID.subjectAltName, false, der.sequence(...names))] : []),
  ];

  const signatureAlgorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(serialNumber()),
    signatureAlgorithm,
    issuerName,
    der.sequence(der.time(options.notBefore), der.time(options.notAfter)),
    encodeName(options.subject),
    publicKeyInfo,
    der.explicit(3, der.sequence(...extensions)),
  );
  if (options.signer.key.asymmetricKeyType !== 'ec') throw new Error('only EC signing keys are supported');
  const signature = sign('sha256', tbs, options.signer.key); // DER-encoded ECDSA signature
  return der.derToPem(der.sequence(tbs, signatureAlgorithm, der.bitStringOfBytes(signature)));
}
