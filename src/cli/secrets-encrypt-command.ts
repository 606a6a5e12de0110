// `k3ts secrets-encrypt status|rotate-keys`, named as K3s's. Both work on a server's data dir:
// status reads the key file (and counts Secrets per key when the datastore is free); rotate-keys
// needs the server stopped, since a running server keeps its keys in memory.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { currentEnvironment, defaultDataDir } from '../server/config.js';
import { fail } from './fail.js';
import type { KeyProvider } from '../server/encryption-config.js';

interface Flags {
  dataDir?: string;
  datastoreEndpoint?: string;
  provider?: string;
}

function where(flags: Flags) {
  const e = currentEnvironment();
  const dataDir = resolve(flags.dataDir || e.env.K3TS_DATA_DIR || defaultDataDir(e));
  const endpoint = flags.datastoreEndpoint || e.env.K3TS_DATASTORE_ENDPOINT || `sqlite://${join(dataDir, 'server', 'db', 'state.db')}`;
  return { dataDir, endpoint };
}

async function openDatastore(endpoint: string) {
  const { openBackend } = await import('../storage/open.js');
  try {
    return await openBackend(endpoint, {});
  } catch (err) {
    throw new Error(`cannot open the datastore (${(err as Error).message}): stop the server on this data dir first`);
  }
}

const common = (c: Command) =>
  c
    .option('-d, --data-dir <dir>', 'the server\'s data dir (default: /var/lib/k3ts as root, else ~/.k3ts; env K3TS_DATA_DIR)')
    .option('--datastore-endpoint <url>', 'the server\'s datastore, when not the embedded SQLite (env K3TS_DATASTORE_ENDPOINT)');

export function secretsEncryptCommand(): Command {
  const cmd = new Command('secrets-encrypt').description('Secrets encryption at rest (server started with --secrets-encryption): show or rotate the keys');
  cmd.addCommand(
    common(new Command('status').description('show whether Secrets are encrypted, the keys (as hashes) and how many Secrets each holds')).action(async (flags: Flags) => {
      const { dataDir, endpoint } = where(flags);
      const { encryptionConfigPath, readEncryptionConfig, keyHash, countSecretsByKey } = await import('../server/encryption-config.js');
      const path = encryptionConfigPath(dataDir);
      if (!existsSync(path)) {
        process.stdout.write(`Encryption Status: Disabled (no ${path}; start the server with --secrets-encryption)\n`);
        return;
      }
      let providers;
      try {
        providers = readEncryptionConfig(path);
      } catch (err) {
        fail((err as Error).message);
      }
      let counts: Map<string, number> | undefined;
      let note = '';
      try {
        const backend = await openDatastore(endpoint);
        try {
          counts = await countSecretsByKey(backend);
        } finally {
          await backend.close();
        }
      } catch {
        note = 'Secrets per key: not counted (the datastore is in use by the running server)\n';
      }
      const lines = [`Encryption Status: Enabled`, `Config: ${path}`, '', 'Active  Key Type  Name                                Hash              Secrets'];
      providers.forEach((p, i) => {
        const type = p.provider === 'aescbc' ? 'AES-CBC' : p.provider === 'aesgcm' ? 'AES-GCM' : p.provider === 'secretbox' ? 'XSalsa20' : 'Identity';
        const n = counts ? String(counts.get(p.provider === 'identity' ? 'identity' : `${p.provider}:${p.name}`) ?? 0) : '-';
        lines.push(`${i === 0 ? ' *    ' : '      '}  ${type.padEnd(8)}  ${(p.name ?? '-').padEnd(34)}  ${(keyHash(p) || '-').padEnd(16)}  ${n}`);
      });
      process.stdout.write(`${lines.join('\n')}\n${note}`);
    }),
  );
  cmd.addCommand(
    common(new Command('rotate-keys').description('add a new key, re-encrypt every Secret with it, then drop the old keys (stop the server first)'))
      .option('--provider <provider>', 'the new key\'s kind: aescbc or secretbox (default: that of the current key)')
      .action(async (flags: Flags) => {
        const { dataDir, endpoint } = where(flags);
        const { encryptionConfigPath, KEY_PROVIDERS } = await import('../server/encryption-config.js');
        if (flags.provider !== undefined && !(KEY_PROVIDERS as readonly string[]).includes(flags.provider)) fail(`--provider: "${flags.provider}" is not one of ${KEY_PROVIDERS.join(', ')}`);
        const { rotateKeys, shareRotatedKeys } = await import('../server/rotate-keys.js');
        const path = encryptionConfigPath(dataDir);
        if (!existsSync(path)) fail(`${path} does not exist: start the server with --secrets-encryption first`);
        try {
          const backend = await openDatastore(endpoint);
          try {
            const r = await rotateKeys(path, backend, new Date(), flags.provider as KeyProvider | undefined);
            process.stdout.write(`new key ${r.newKey}; ${r.reencrypted} Secrets re-encrypted; dropped ${r.dropped.length ? r.dropped.join(', ') : 'no old key'}\n`);
            // Servers sharing this datastore take the new keys from it at their next start.
            if (backend.name !== 'sqlite') {
              if (await shareRotatedKeys(dataDir, backend)) process.stdout.write('the new keys are stored in the datastore for the other servers: restart each of them\n');
            }
          } finally {
            await backend.close();
          }
        } catch (err) {
          fail((err as Error).message);
        }
      }),
  );
  return cmd;
}
