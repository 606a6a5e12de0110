// Secrets encryption at rest, the K3s way: an EncryptionConfiguration (apiserver.config.k8s.io/v1,
// upstream's format) in <data-dir>/server/cred/encryption-config.json, mode 0600, made on the first
// start with --secrets-encryption: one aescbc (or secretbox) key, then identity so Secrets written
// before still read.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Backend } from '../storage/backend.js';
import { SECRETS_PREFIX } from '../apiserver/store/encrypting-backend.js';
import { createValueTransformer, storedKeyOf, type ProviderKey, type ValueTransformer } from '../apiserver/store/value-transformer.js';

export const encryptionConfigPath = (dataDir: string) => join(dataDir, 'server', 'cred', 'encryption-config.json');

export class EncryptionConfigError extends Error {}

/** Reads the providers of the `secrets` resource, in order. */
export function readEncryptionConfig(path: string): ProviderKey[] {
  let doc: any;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EncryptionConfigError(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message}`);
  }
  const bad = (why: string) => new EncryptionConfigError(`${path}: ${why}`);
  if (doc?.kind !== 'EncryptionConfiguration' || doc?.apiVersion !== 'apiserver.config.k8s.io/v1') throw bad('not an EncryptionConfiguration of apiserver.config.k8s.io/v1');
  const entry = (Array.isArray(doc.resources) ? doc.resources : []).find((r: any) => Array.isArray(r?.resources) && r.resources.includes('secrets'));
  if (!entry || !Array.isArray(entry.providers) || entry.providers.length === 0) throw bad('no providers for "secrets"');
  const out: ProviderKey[] = [];
  for (const [i, p] of (entry.providers as any[]).entries()) {
    const type = Object.keys(p ?? {})[0];
    if (type === 'identity') {
      out.push({ provider: 'identity' });
      continue;
    }
    if (type !== 'aescbc' && type !== 'aesgcm' && type !== 'secretbox') throw bad(`providers[${i}]: "${type}" is not supported by k3ts (use aescbc, aesgcm, secretbox or identity)`);
    const keys = p[type]?.keys;
    if (!Array.isArray(keys) || keys.length === 0) throw bad(`providers[${i}].${type}.keys: at least one key is required`);
    for (const [j, k] of keys.entries()) {
      const secret = typeof k?.secret === 'string' ? Buffer.from(k.secret, 'base64') : Buffer.alloc(0);
      if (typeof k?.name !== 'string' || k.name === '' || k.name.includes(':')) throw bad(`providers[${i}].${type}.keys[${j}].name: a non-empty name without ":" is required`);
      if (type === 'secretbox' ? secret.length !== 32 : ![16, 24, 32].includes(secret.length)) {
        throw bad(`providers[${i}].${type}.keys[${j}].secret: must be ${type === 'secretbox' ? '32' : '16, 24 or 32'} bytes, base64-encoded`);
      }
      out.push({ provider: type, name: k.name, secret });
    }
  }
  return out;
}

/** Writes the file whole (a temp file renamed over it), 0600 in a 0700 folder. */
export async function writeEncryptionConfig(path: string, providers: ProviderKey[]): Promise<void> {
  const entries: object[] = [];
  for (const p of providers) {
    const last = entries[entries.length - 1] as Record<string, { keys: object[] }> | undefined;
    if (p.provider === 'identity') entries.push({ identity: {} });
    else if (last?.[p.provider]) last[p.provider]!.keys.push({ name: p.name, secret: p.secret!.toString('base64') });
    else entries.push({ [p.provider]: { keys: [{ name: p.name, secret: p.secret!.toString('base64') }] } });
  }
  const doc = { kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1', resources: [{ resources: ['secrets'], providers: entries }] };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** The providers `--secrets-encryption-provider` and `rotate-keys --provider` make keys for (K3s's two). */
export type KeyProvider = 'aescbc' | 'secretbox';
export const KEY_PROVIDERS: readonly KeyProvider[] = ['aescbc', 'secretbox'];

export function newKey(provider: KeyProvider, now = new Date()): ProviderKey {
  return { provider, name: `${provider}key-${now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}`, secret: randomBytes(32) };
}


/** A short fingerprint of a key, safe to print. */
export const keyHash = (k: ProviderKey) => (k.secret ? createHash('sha256').update(k.secret).digest('hex').slice(0, 16) : '');

/** How many stored Secrets each key (or plaintext) holds. */
export async function countSecretsByKey(backend: Backend): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let after: string | undefined;
  for (;;) {
    const page = await backend.list({ prefix: SECRETS_PREFIX, after, limit: 500 });
    for (const kv of page.items) {
      const k = storedKeyOf(kv.value) ?? 'identity';
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    if (!page.more || page.items.length === 0) return counts;
    after = page.items[page.items.length - 1]!.key;
  }
}

/**
 * At a start with --secrets-encryption: the transformer from the config, which is made when missing
 * unless Secrets are already encrypted (then they would be lost: the start is refused instead).
 */
export async function ensureSecretsEncryption(
  dataDir: string,
  backend: Backend,
  provider: KeyProvider = 'aescbc',
): Promise<{ transformer: ValueTransformer; path: string; created: boolean; writesWith: ProviderKey['provider'] }> {
  const path = encryptionConfigPath(dataDir);
  let created = false;
  if (!existsSync(path)) {
    const counts = await countSecretsByKey(backend);
    const encrypted = [...counts].filter(([k]) => k !== 'identity').reduce((n, [, c]) => n + c, 0);
    if (encrypted > 0) {
      throw new EncryptionConfigError(`${path} is missing, yet ${encrypted} Secrets in the datastore are encrypted: restore the file from your backup (without its keys they cannot be read)`);
    }
    await writeEncryptionConfig(path, [newKey(provider), { provider: 'identity' }]);
    created = true;
  }
  const providers = readEncryptionConfig(path);
  return { transformer: createValueTransformer(providers, path), path, created, writesWith: providers[0]!.provider };
}

/**
 * Without --secrets-encryption, a key file left from before still opens the Secrets it sealed, while
 * new writes are plaintext: upstream's way of turning encryption off (identity first, keys after).
 */
export function readOnlyDecryption(dataDir: string): { transformer: ValueTransformer; path: string } | undefined {
  const path = encryptionConfigPath(dataDir);
  if (!existsSync(path)) return undefined;
  const keys = readEncryptionConfig(path).filter((p) => p.provider !== 'identity');
  return { transformer: createValueTransformer([{ provider: 'identity' }, ...keys], path), path };
}
