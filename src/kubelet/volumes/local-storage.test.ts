// The node removes the directory of a deleted Delete volume, never of a Retain one, and catches up
// at start with volumes deleted while it was away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { eventually } from '../../../test/support/eventually.js';
import { runLocalStorageCleanup } from './local-storage.js';

const pvs = { group: '', version: 'v1', resource: 'persistentvolumes' };

describe('local-path directories on the node', () => {
  let cp: TestControlPlane;
  let root: string;
  const stop = new AbortController();
  before(async () => {
    cp = await startTestControlPlane();
    root = join(mkdtempSync(join(tmpdir(), 'k3ts-storage-')), 'storage');
  });
  after(async () => {
    stop.abort();
    await cp.close();
    rmSync(join(root, '..'), { recursive: true, force: true });
  });

  const volume = (name: string, policy: string) => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: policy, hostPath: { path: join(root, `pvc-${name}_ns_c`) } },
  });
  const dirOf = (name: string) => join(root, `pvc-${name}_ns_c`);

  it('removes a deleted Delete volume\'s directory, keeps a Retain one, and catches up after a restart', async () => {
    mkdirSync(root, { recursive: true });
    for (const n of ['gone-while-away', 'unknown']) mkdirSync(dirOf(n));
    // Recorded by an earlier run as removable; its volume was deleted while the node was away.
    writeFileSync(join(root, '.reclaim-delete'), 'pvc-gone-while-away_ns_c\n');
    await cp.client.create(pvs, volume('del', 'Delete'));
    await cp.client.create(pvs, volume('keep', 'Retain'));
    for (const n of ['del', 'keep']) mkdirSync(dirOf(n));
    writeFileSync(join(dirOf('keep'), 'data'), 'x');
    await runLocalStorageCleanup({ client: cp.client, storageDir: root }, stop.signal);
    await eventually(() => !existsSync(dirOf('gone-while-away')), 5000, 'the recorded directory removed');
    assert.ok(existsSync(dirOf('unknown')), 'a directory the node never recorded stays');
    await cp.client.delete(pvs, undefined, 'del');
    await cp.client.delete(pvs, undefined, 'keep');
    await eventually(() => !existsSync(dirOf('del')), 5000, 'the Delete volume\'s directory removed');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(existsSync(join(dirOf('keep'), 'data')), 'a Retain volume keeps its data');
  });
});
