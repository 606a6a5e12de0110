import { randomBytes, X509Certificate } from 'node:crypto';
import { canonicalIp } from './ip.js';
import { crypto } from './keys.js';

// @peculiar/x509 takes 150–250 ms to import, more than a warm start may spend, so it is imported
// only when a certificate must actually be issued (first start, renewal, a new node). Reading and
// checking certificates uses node:crypto's X509Certificate and never loads it.
export type X509Module = typeof import('@peculiar/x509');
let loading: Promise<X509Module> | undefined;
/** The one place the library is imported (sign-request.ts signs CSRs through it too). */
export function loadX509(): Promise<X509Module> {
  loading ??= import('@peculiar/x509');
  return loading;
}

/** 'peer': both ends of a TLS connection with one certificate (etcd members talk to each other so). */
export type CertificateProfile = 'ca' | 'server' | 'client' | 'peer';

export interface DistinguishedName {
  commonName: string;
  organizations?: string[];
}

export interface BuildCertificateOptions {
  subject: DistinguishedName;
  publicKey: CryptoKey;
  profile: CertificateProfile;
  notBefore: Date;
  notAfter: Date;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Signs the certificate; without certPem the certificate is self-signed with this key. */
  signer: { key: CryptoKey; certPem?: string };
}

/**
 * 126 random bits: the top bit is cleared so the serial is positive and the next one set so the
 * leading byte is never zero, keeping the DER encoding minimal, as DER (and Go's parser) insist.
 */
export function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export async function buildCertificate(options: BuildCertificateOptions): Promise<string> {
  const x509 = await loadX509();
  const { KeyUsageFlags: Usage } = x509;
  const issuerCert = options.signer.certPem ? new x509.X509Certificate(options.signer.certPem) : undefined;

  const extensions: InstanceType<X509Module['Extension']>[] =
    options.profile === 'ca'
      ? [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(Usage.keyCertSign | Usage.cRLSign, true)]
      : [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(Usage.digitalSignature | Usage.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension(
            options.profile === 'peer'
              ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
              : [options.profile === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
          ),
        ];
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(options.publicKey, false, crypto));
  if (issuerCert) {
    // The AKI must repeat the issuer's own SKI, which an operator-supplied CA may have computed another way.
    const issuerKeyId = issuerCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    extensions.push(
      issuerKeyId ? new x509.AuthorityKeyIdentifierExtension(issuerKeyId) : await x509.AuthorityKeyIdentifierExtension.create(issuerCert.publicKey, false, crypto),
    );
  }
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((ip) => ({ type: 'ip' as const, value: canonicalIp(ip) })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));

  // Organizations first, then CN: the order Go writes, so `openssl x509 -subject` reads like K3s' certs.
  const subject = [...(options.subject.organizations ?? []).map((o) => ({ O: [o] })), { CN: [options.subject.commonName] }];
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject,
      // The issuer's subject as parsed from its certificate, so the encoding (string types) carries over.
      issuer: issuerCert ? issuerCert.subjectName : subject,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      publicKey: options.publicKey,
      signingKey: options.signer.key,
      signingAlgorithm: { name: options.signer.key.algorithm.name, hash: 'SHA-256' },
      extensions,
    },
    crypto,
  );
  // node:crypto writes the PEM (64-column lines, trailing newline) and, in passing, confirms it parses.
  return new X509Certificate(Buffer.from(cert.rawData)).toString();
}
