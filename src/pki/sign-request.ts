// Signing a CSR with one of the cluster's CAs (the CSR signer controller), and making a key and a
// CSR (`k3ts kubeconfig create`). Both go through @peculiar/x509, loaded only when first used.
import { X509Certificate } from 'node:crypto';
import { loadX509, serialNumber, type X509Module } from './build-certificate.js';
import type { CertificateRequestFacts } from './certificate-request.js';
import type { CertificateIssuer } from './issue.js';
import { crypto, generateKeyPair, privateKeyToPem, signingKeyFromPem } from './keys.js';

// The CSR API's usage names → X.509 key usage bits and extended key usage OIDs, as Go's x509 names them.
const KEY_USAGES: Record<string, keyof X509Module['KeyUsageFlags']> = {
  signing: 'digitalSignature',
  'digital signature': 'digitalSignature',
  'content commitment': 'nonRepudiation',
  'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement',
  'data encipherment': 'dataEncipherment',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};
const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** A copy in an ArrayBuffer of its own, as the library's types want (a view may share a pool). */
const ownBytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

export interface SignRequestOptions {
  issuer: CertificateIssuer;
  request: CertificateRequestFacts;
  /** spec.usages of the CertificateSigningRequest. */
  usages: readonly string[];
  notBefore: Date;
  notAfter: Date;
}

/** A leaf certificate for the request's key and subject, with its SANs and the asked-for usages, PEM. */
export async function signCertificateRequest(o: SignRequestOptions): Promise<string> {
  const x509 = await loadX509();
  const issuerCert = new x509.X509Certificate(o.issuer.certPem);
  const signingKey = await signingKeyFromPem(o.issuer.keyPem);
  let keyBits = 0;
  for (const u of o.usages) if (KEY_USAGES[u]) keyBits |= x509.KeyUsageFlags[KEY_USAGES[u]!];
  const extKeyUsages = [...new Set(o.usages.map((u) => EXT_KEY_USAGES[u]).filter((v): v is string => !!v))];
  const publicKey = new x509.PublicKey(ownBytes(o.request.publicKeyDer));
  const extensions: InstanceType<X509Module['Extension']>[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyBits) extensions.push(new x509.KeyUsagesExtension(keyBits, true));
  if (extKeyUsages.length) extensions.push(new x509.ExtendedKeyUsageExtension(extKeyUsages));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto));
  const issuerKeyId = issuerCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  extensions.push(issuerKeyId ? new x509.AuthorityKeyIdentifierExtension(issuerKeyId) : await x509.AuthorityKeyIdentifierExtension.create(issuerCert.publicKey, false, crypto));
  if (o.request.subjectAltName) extensions.push(new x509.Extension('2.5.29.17', o.request.subjectAltName.critical, ownBytes(o.request.subjectAltName.value)));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: new x509.Name(ownBytes(o.request.subjectDer)),
      issuer: issuerCert.subjectName,
      notBefore: o.notBefore,
      notAfter: o.notAfter,
      publicKey,
      signingKey,
      signingAlgorithm: { name: signingKey.algorithm.name, hash: 'SHA-256' },
      extensions,
    },
    crypto,
  );
  return new X509Certificate(Buffer.from(cert.rawData)).toString();
}

/** A fresh EC P-256 key and a CSR for it (subject O…, CN), both PEM. The key is never sent anywhere. */
export async function createCertificateRequest(o: { commonName: string; organizations?: readonly string[] }): Promise<{ requestPem: string; keyPem: string }> {
  const x509 = await loadX509();
  const keys = await generateKeyPair();
  // Organizations first, then CN, as Go writes subjects.
  const name = [...(o.organizations ?? []).map((org) => ({ O: [org] })), { CN: [o.commonName] }];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } }, crypto);
  return { requestPem: csr.toString('pem'), keyPem: privateKeyToPem(keys.privateKey) };
}
