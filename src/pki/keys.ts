import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

// EC P-256: generating a key takes well under a millisecond, RSA-2048 takes ~50 ms each.

export function generatePrivateKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

/** PKCS#8 PEM ("PRIVATE KEY"), which Go (kubectl), curl, OpenSSL and Node all read. */
export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Accepts PKCS#8, SEC1 ("EC PRIVATE KEY") and PKCS#1 PEM, so an operator may bring their own CA key. */
export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}
