import { createPrivateKey, KeyObject, webcrypto } from 'node:crypto';

// WebCrypto keys, because @peculiar/x509 signs with them. EC P-256: generating one takes well
// under a millisecond, RSA-2048 takes ~50 ms each.

// Typed as the DOM's Crypto, which is what @peculiar/x509 declares it takes.
export const crypto = webcrypto as unknown as Crypto;

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(P256, true, ['sign', 'verify']);
}

/** PKCS#8 PEM ("PRIVATE KEY"), which Go (kubectl), curl, OpenSSL and Node all read. */
export function privateKeyToPem(key: CryptoKey): string {
  return KeyObject.from(key as unknown as webcrypto.CryptoKey).export({ type: 'pkcs8', format: 'pem' }).toString();
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/**
 * A signing key from PEM. Accepts PKCS#8, SEC1 ("EC PRIVATE KEY") and PKCS#1, so an operator may bring
 * their own CA key; WebCrypto reads only PKCS#8, so node:crypto converts first.
 */
export function signingKeyFromPem(pem: string): Promise<CryptoKey> {
  const key = createPrivateKey(pem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  if (key.asymmetricKeyType === 'ec') {
    const namedCurve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!namedCurve) throw new Error(`unsupported CA key curve ${key.asymmetricKeyDetails?.namedCurve}; use P-256, P-384 or P-521`);
    return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']);
  }
  if (key.asymmetricKeyType === 'rsa') {
    return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  }
  throw new Error(`unsupported CA key type ${key.asymmetricKeyType}; use an EC or RSA key`);
}
