// Secrets at rest: upstream's envelope-free providers. A stored value starts with
// `k8s:enc:<provider>:v1:<key name>:` as kube-apiserver writes it; what follows is base64 (the
// datastore holds text, where etcd would hold raw bytes). The first provider writes; every provider
// reads its own values, and identity reads values written before encryption was turned on.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Salsa from '@noble/ciphers/salsa';

export type ProviderName = 'aescbc' | 'aesgcm' | 'secretbox' | 'identity';

export interface ProviderKey {
  provider: ProviderName;
  /** Key name (absent for identity). */
  name?: string;
  /** Raw key bytes (absent for identity). */
  secret?: Buffer;
}

export interface ValueTransformer {
  /** `storageKey` binds an aesgcm value to its key, so a value cannot be moved to another object. */
  encrypt(plain: string, storageKey: string): string;
  decrypt(stored: string, storageKey: string): string;
}

export class DecryptError extends Error {}

// Loaded when a secretbox key is used (the CommonJS build, as sealing is synchronous); most servers
// never pay for it.
let salsa: typeof Salsa | undefined;
const secretbox = (key: Uint8Array, nonce: Uint8Array) => (salsa ??= createRequire(import.meta.url)('@noble/ciphers/salsa') as typeof Salsa).secretbox(key, nonce);

const ENC = 'k8s:enc:';
const prefixOf = (k: ProviderKey) => `${ENC}${k.provider}:v1:${k.name}:`;

function cipherName(provider: 'aescbc' | 'aesgcm', secret: Buffer): string {
  const bits = secret.length * 8;
  return provider === 'aescbc' ? `aes-${bits}-cbc` : `aes-${bits}-gcm`;
}

function seal(k: ProviderKey, plain: string, storageKey: string): string {
  const secret = k.secret!;
  if (k.provider === 'secretbox') {
    // As upstream: a random 24-byte nonce, then NaCl's box (tag and ciphertext).
    const nonce = randomBytes(24);
    return prefixOf(k) + Buffer.concat([nonce, secretbox(secret, nonce).seal(Buffer.from(plain, 'utf8'))]).toString('base64');
  }
  if (k.provider === 'aescbc') {
    const iv = randomBytes(16);
    const c = createCipheriv(cipherName('aescbc', secret), secret, iv);
    return prefixOf(k) + Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
  }
  const nonce = randomBytes(12);
  const c = createCipheriv(cipherName('aesgcm', secret), secret, nonce) as import('node:crypto').CipherGCM;
  c.setAAD(Buffer.from(storageKey));
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return prefixOf(k) + Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
}

function open(k: ProviderKey, payload: string, storageKey: string): string {
  const secret = k.secret!;
  const bytes = Buffer.from(payload, 'base64');
  if (k.provider === 'secretbox') {
    if (bytes.length < 24 + 16) throw new DecryptError('the value is too short');
    return Buffer.from(secretbox(secret, bytes.subarray(0, 24)).open(bytes.subarray(24))).toString('utf8');
  }
  if (k.provider === 'aescbc') {
    if (bytes.length < 32 || bytes.length % 16 !== 0) throw new DecryptError('the value is too short or not whole AES blocks');
    const d = createDecipheriv(cipherName('aescbc', secret), secret, bytes.subarray(0, 16));
    return Buffer.concat([d.update(bytes.subarray(16)), d.final()]).toString('utf8');
  }
  if (bytes.length < 28) throw new DecryptError('the value is too short');
  const d = createDecipheriv(cipherName('aesgcm', secret), secret, bytes.subarray(0, 12)) as import('node:crypto').DecipherGCM;
  d.setAAD(Buffer.from(storageKey));
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([d.update(bytes.subarray(12, bytes.length - 16)), d.final()]).toString('utf8');
}

/** Providers in their configured order. */
export function createValueTransformer(providers: ProviderKey[], source: string): ValueTransformer {
  if (providers.length === 0) throw new Error(`${source}: no providers`);
  const write = providers[0]!;
  const byPrefix = new Map(providers.filter((p) => p.provider !== 'identity').map((p) => [prefixOf(p), p]));
  const readsPlain = providers.some((p) => p.provider === 'identity');
  return {
    encrypt: (plain, storageKey) => (write.provider === 'identity' ? plain : seal(write, plain, storageKey)),
    decrypt(stored, storageKey) {
      if (!stored.startsWith(ENC)) {
        if (readsPlain) return stored;
        throw new DecryptError(`${storageKey} is stored unencrypted and ${source} has no identity provider to read it`);
      }
      const end = stored.indexOf(':', stored.indexOf(':v1:') + 4);
      const prefix = end > 0 ? stored.slice(0, end + 1) : '';
      const key = byPrefix.get(prefix);
      if (!key) throw new DecryptError(`${storageKey} was encrypted with "${prefix.slice(ENC.length, -1)}", a key ${source} does not hold`);
      try {
        return open(key, stored.slice(prefix.length), storageKey);
      } catch (err) {
        if (err instanceof DecryptError) throw new DecryptError(`${storageKey}: ${err.message}`);
        throw new DecryptError(`${storageKey} does not decrypt with key "${key.name}": ${(err as Error).message}`);
      }
    },
  };
}

/** The key name and provider a stored value names, or undefined for plaintext. */
export function storedKeyOf(stored: string): string | undefined {
  if (!stored.startsWith(ENC)) return undefined;
  const m = /^k8s:enc:([^:]+):v1:([^:]+):/.exec(stored);
  return m ? `${m[1]}:${m[2]}` : 'unknown';
}
