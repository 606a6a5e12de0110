import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../storage/open.js';
import type { Backend } from '../storage/backend.js';
import { ensureServerPki } from '../pki/index.js';
import { bootstrapKey, publishBootstrapData, restoreBootstrapData, SHARED_SERVER_FILES, updateSharedFile } from './bootstrap-data.js';
import { ensureServiceAccountKeys } from '../pki/service-account-keys.js';
import { encryptionConfigPath, ensureSecretsEncryption, readEncryptionConfig } from './encryption-config.js';
import { rotateKeys } from './rotate-keys.js';

describe('cluster certificates shared through the datastore', () => {
  let dir: string;
  let backend: Backend;
  const dataDir = (name: string) => join(dir, name);
  const file = (name: string, f: string) => readFileSync(join(dataDir(name), 'server', f), 'utf8');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-bootstrap-'));
    backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
  });
  after(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first server stores them sealed; a second one with the token gets the same CAs', async () => {
    assert.equal(await restoreBootstrapData(backend, dataDir('s1'), 'secret-one'), 'none');
    const first = await ensureServerPki({ dataDir: dataDir('s1'), token: 'secret-one' });
    assert.equal(await publishBootstrapData(backend, dataDir('s1'), 'secret-one'), 'published');
    assert.equal(await publishBootstrapData(backend, dataDir('s1'), 'secret-one'), 'present');

    const stored = (await backend.get(bootstrapKey('secret-one')))!.value;
    assert.ok(!stored.includes('PRIVATE KEY') && !stored.includes('CERTIFICATE'), 'nothing readable without the token');

    assert.equal(await restoreBootstrapData(backend, dataDir('s2'), 'secret-one'), 'restored');
    for (const f of SHARED_SERVER_FILES) assert.equal(file('s2', f), file('s1', f), f);
    assert.equal(statSync(join(dataDir('s2'), 'server', 'tls', 'client-ca.key')).mode & 0o777, 0o600);
    const second = await ensureServerPki({ dataDir: dataDir('s2'), token: 'secret-one' });
    assert.equal(second.caPem, first.caPem);
    assert.equal(second.token, first.token, 'the same token, so agents join through either server');
    assert.equal(await restoreBootstrapData(backend, dataDir('s2'), 'secret-one'), 'in-sync');
  });

  it('refuses a server with another token, or none, on a datastore that holds a cluster', async () => {
    await assert.rejects(restoreBootstrapData(backend, dataDir('s3'), 'secret-two'), /another cluster's certificates.*--token/);
    await assert.rejects(restoreBootstrapData(backend, dataDir('s3'), undefined), /another cluster's certificates/);
  });

  it("refuses a data dir whose CAs are another cluster's", async () => {
    await ensureServerPki({ dataDir: dataDir('s4'), token: 'secret-one' });
    await assert.rejects(restoreBootstrapData(backend, dataDir('s4'), 'secret-one'), /differs from the cluster's copy in the datastore/);
  });

  it('two first servers racing: the one that stored second takes the winner\'s CAs', async () => {
    const other = await openBackend(`sqlite://${join(dir, 'race.db')}`, { autoCompaction: { intervalMs: 0 } });
    try {
      await ensureServerPki({ dataDir: dataDir('r1'), token: 'race' });
      await ensureServerPki({ dataDir: dataDir('r2'), token: 'race' });
      assert.equal(await publishBootstrapData(other, dataDir('r1'), 'race'), 'published');
      assert.equal(await publishBootstrapData(other, dataDir('r2'), 'race'), 'replaced');
      for (const f of SHARED_SERVER_FILES) assert.equal(file('r2', f), file('r1', f), f);
    } finally {
      await other.close();
    }
  });

  it('the ServiceAccount key and the encryption keys follow, once they exist; a rotation reaches the next start of the others', async () => {
    const other = await openBackend(`sqlite://${join(dir, 'keys.db')}`, { autoCompaction: { intervalMs: 0 } });
    try {
      // A first server from before the keys were shared: its record holds only the CAs.
      await ensureServerPki({ dataDir: dataDir('k1'), token: 'keys' });
      assert.equal(await publishBootstrapData(other, dataDir('k1'), 'keys'), 'published');
      await ensureServiceAccountKeys(dataDir('k1'));
      await ensureSecretsEncryption(dataDir('k1'), other);
      assert.equal(await publishBootstrapData(other, dataDir('k1'), 'keys'), 'present', 'the record gains the keys');

      assert.equal(await restoreBootstrapData(other, dataDir('k2'), 'keys'), 'restored');
      const k2 = await ensureServiceAccountKeys(dataDir('k2'));
      assert.equal(k2.created, false, 'the second server signs with the first one\'s key');
      assert.equal(file('k2', 'tls/service.key'), file('k1', 'tls/service.key'));
      assert.equal(file('k2', 'cred/encryption-config.json'), file('k1', 'cred/encryption-config.json'));
      assert.equal(statSync(join(dataDir('k2'), 'server', 'cred', 'encryption-config.json')).mode & 0o777, 0o600);

      await rotateKeys(encryptionConfigPath(dataDir('k1')), other);
      assert.equal(await updateSharedFile(other, dataDir('k1'), 'keys', 'cred/encryption-config.json'), true);
      assert.equal(await restoreBootstrapData(other, dataDir('k2'), 'keys'), 'restored', "the older local copy gives way to the record's");
      assert.deepEqual(readEncryptionConfig(encryptionConfigPath(dataDir('k2'))), readEncryptionConfig(encryptionConfigPath(dataDir('k1'))));

      // Another server's own ServiceAccount key would split the cluster's tokens: refused.
      await ensureServiceAccountKeys(dataDir('k3'));
      await assert.rejects(restoreBootstrapData(other, dataDir('k3'), 'keys'), /service\.key differs from the cluster's copy/);
    } finally {
      await other.close();
    }
  });
});
