// The keys that sign and verify ServiceAccount tokens, in <data-dir>/server/tls/service.key as
// K3s keeps them. The file may hold several PEM private keys: the first signs, every one verifies,
// so a new key can be put in front of the old one and tokens already handed out stay valid until
// they expire (docs/service-account-tokens.md: rotation).
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureMode, readIfExists, writeFileAtomic } from './files.js';

export interface ServiceAccountKeys {
  /** Signs new tokens. */
  signing: KeyObject;
  /** Every key a token may be signed with, the signing one first. */
  verifying: KeyObject[];
}

export function serviceAccountKeyPath(dataDir: string): string {
  return join(dataDir, 'server', 'tls', 'service.key');
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/** The keys of a service.key file's text; throws naming the file when a block is no usable key. */
export function parseServiceAccountKeys(text: string, path = 'service.key'): ServiceAccountKeys {
  const blocks = text.match(PEM_BLOCK) ?? [];
  const keys: KeyObject[] = [];
  for (const [i, block] of blocks.entries()) {
    let key: KeyObject;
    try {
      key = createPrivateKey(block);
    } catch (err) {
      throw new Error(`${path}: key ${i + 1} is unreadable (${(err as Error).message}); each block must be an RSA private key in PEM`);
    }
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`${path}: key ${i + 1} is ${key.asymmetricKeyType}, not RSA; service account tokens are signed with RS256`);
    keys.push(key);
  }
  if (keys.length === 0) throw new Error(`${path} holds no PEM private key; delete it to have a new one made`);
  return { signing: keys[0], verifying: keys.map((k) => createPublicKey(k)) };
}

/** Reads service.key, or makes it (RSA 2048, mode 0600) the first time a server starts. */
export async function ensureServiceAccountKeys(dataDir: string): Promise<ServiceAccountKeys & { created: boolean; path: string }> {
  const path = serviceAccountKeyPath(dataDir);
  const existing = await readIfExists(path);
  if (existing) {
    await ensureMode(path, 0o600);
    return { ...parseServiceAccountKeys(existing.toString('utf8'), path), created: false, path };
  }
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  await writeFileAtomic(path, privateKey.export({ type: 'pkcs1', format: 'pem' }), 0o600);
  return { signing: privateKey, verifying: [createPublicKey(privateKey)], created: true, path };
}
