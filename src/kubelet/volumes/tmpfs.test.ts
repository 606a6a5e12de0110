// Real tmpfs mounts through the `mount` binary: root only (CI runs as root).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../client/types.js';
import { readMountPoints, systemMountOps } from './mount-ops.js';
import { createPodVolumes } from './pod-volumes.js';
import { scratchDir, testPod } from './test-support.js';

const skip = process.getuid?.() !== 0 ? 'mounting a tmpfs needs root (CI runs these as root)' : false;
if (skip) console.log(`tmpfs tests skipped: ${skip}`);

const secrets = new Map([['db', { data: { password: Buffer.from('s3cret').toString('base64') } }]]);
/** Just enough cluster for one Secret. */
const client = {
  get: async (_t: unknown, _ns: string, name: string) => {
    const s = secrets.get(name);
    if (!s) throw Object.assign(new Error('not found'), { reason: 'NotFound' });
    return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...s };
  },
} as unknown as Client;

let scratch: { dir: string; remove(): Promise<void> };
before(async () => {
  scratch = await scratchDir();
});
after(async () => {
  // A failed test must not leave mounts behind on the CI machine.
  for (const p of (await systemMountOps.mountPointsUnder(scratch.dir)).sort((a, b) => b.length - a.length)) await systemMountOps.unmount(p);
  await scratch.remove();
});

/** The mount's options as the kernel reports them, e.g. size=65536k. */
async function tmpfsOptions(dir: string): Promise<string | undefined> {
  const lines = (await readFile('/proc/self/mounts', 'utf8')).split('\n');
  const line = lines.find((l) => l.split(' ')[1] === dir && l.split(' ')[2] === 'tmpfs');
  return line?.split(' ')[3];
}

test('emptyDir medium Memory and a Secret volume are real tmpfs mounts, gone after tear-down', { skip }, async () => {
  const volumes = createPodVolumes({ client, root: join(scratch.dir, 'volumes'), nodeName: 'node-a', memoryBackedSecrets: true });
  const pod = testPod({
    volumes: [
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'creds', secret: { secretName: 'db' } },
    ],
    containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'cache', mountPath: '/cache' }, { name: 'creds', mountPath: '/creds' }] }],
  });
  const uid = pod.metadata!.uid!;
  const [cache, creds] = (await volumes.setUp(pod)).get('app')!;
  assert.match((await tmpfsOptions(cache!.hostPath)) ?? 'not mounted', /size=65536k/);
  assert.equal((await stat(cache!.hostPath)).mode & 0o777, 0o777);
  assert.ok(await tmpfsOptions(creds!.hostPath), 'the Secret is in memory');
  assert.equal(await readFile(join(creds!.hostPath, 'password'), 'utf8'), 's3cret');

  await writeFile(join(cache!.hostPath, 'x'), 'kept');
  await volumes.setUp(pod);
  assert.equal(await readFile(join(cache!.hostPath, 'x'), 'utf8'), 'kept', 'a second set-up keeps the mount and its files');
  const mine = (await readMountPoints()).filter((p) => p === cache!.hostPath);
  assert.equal(mine.length, 1, 'mounted once');

  // A new manager (the agent restarted) finds the mounts instead of stacking new ones.
  const again = createPodVolumes({ client, root: join(scratch.dir, 'volumes'), nodeName: 'node-a', memoryBackedSecrets: true });
  await again.setUp(pod);
  assert.equal((await readMountPoints()).filter((p) => p === cache!.hostPath).length, 1);

  await again.tearDown(uid);
  assert.deepEqual(await systemMountOps.mountPointsUnder(scratch.dir), []);
  await assert.rejects(stat(again.podDir(uid)), { code: 'ENOENT' });
});
