// `k3ts secrets-encrypt rotate-keys`: a new key is added first (so a crash at any point leaves
// every Secret readable), every Secret is written again with it, then the old keys are dropped. It
// works on the datastore directly, with the server stopped: a running server holds its keys in
// memory and would keep writing with the old one (with SQLite its lock refuses us anyway).
import type { Backend } from '../storage/backend.js';
import { StorageError } from '../storage/backend.js';
import { SECRETS_PREFIX } from '../apiserver/store/encrypting-backend.js';
import { createValueTransformer, storedKeyOf } from '../apiserver/store/value-transformer.js';
import { updateSharedFile } from './bootstrap-data.js';
import { readIfExists } from '../pki/files.js';
import { parseToken, serverPkiPaths } from '../pki/index.js';
import { KEY_PROVIDERS, newKey, readEncryptionConfig, writeEncryptionConfig, type KeyProvider } from './encryption-config.js';

export interface RotateResult {
  newKey: string;
  dropped: string[];
  reencrypted: number;
}

/** `provider` defaults to the one the current key is of (aescbc when that is aesgcm). */
export async function rotateKeys(path: string, backend: Backend, now = new Date(), provider?: KeyProvider): Promise<RotateResult> {
  const before = readEncryptionConfig(path);
  const current = before[0]!.provider;
  const fresh = newKey(provider ?? (KEY_PROVIDERS.includes(current as KeyProvider) ? (current as KeyProvider) : 'aescbc'), now);
  const during = [fresh, ...before.filter((p) => p.provider !== 'identity'), { provider: 'identity' as const }];
  await writeEncryptionConfig(path, during);
  const t = createValueTransformer(during, path);
  const target = `${fresh.provider}:${fresh.name}`;
  let reencrypted = 0;
  let after: string | undefined;
  for (;;) {
    const page = await backend.list({ prefix: SECRETS_PREFIX, after, limit: 200 });
    for (const kv of page.items) {
      let current = kv;
      // A write in between (another server) is met by reading again.
      for (let attempt = 0; storedKeyOf(current.value) !== target; attempt++) {
        try {
          await backend.update(current.key, t.encrypt(t.decrypt(current.value, current.key), current.key), current.modRevision);
          reencrypted++;
          break;
        } catch (err) {
          if (!(err instanceof StorageError) || attempt > 5) throw err;
          if (err.code === 'NotFound') break;
          const again = await backend.get(current.key);
          if (!again) break;
          current = again;
        }
      }
    }
    if (!page.more || page.items.length === 0) break;
    after = page.items[page.items.length - 1]!.key;
  }
  await writeEncryptionConfig(path, [fresh, { provider: 'identity' }]);
  return { newKey: fresh.name!, dropped: before.filter((p) => p.provider !== 'identity').map((p) => p.name!), reencrypted };
}

/** On a shared datastore: the cluster's sealed record takes the rotated key file, so each server
 *  uses it from its next start. False when no record is sealed with this data dir's token. */
export async function shareRotatedKeys(dataDir: string, backend: Backend): Promise<boolean> {
  const token = (await readIfExists(serverPkiPaths(dataDir).token))?.toString('utf8').trim();
  if (!token) return false;
  return updateSharedFile(backend, dataDir, parseToken(token).password, 'cred/encryption-config.json');
}
