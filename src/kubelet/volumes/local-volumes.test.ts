// emptyDir, hostPath, the mount list, subPath through the manager, tear-down: no cluster needed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../client/types.js';
import { createPodVolumes } from './pod-volumes.js';
import { fakeMounts, scratchDir, testPod } from './test-support.js';
import { VolumeError, type PodVolumes } from './types.js';

/** These volumes never ask the cluster anything. */
const noClient = new Proxy({} as Client, {
  get: () => () => Promise.reject(new Error('no cluster in this test')),
});

let scratch: { dir: string; remove(): Promise<void> };
let root: string;
let volumes: PodVolumes;
const mounts = fakeMounts();

before(async () => {
  scratch = await scratchDir();
  root = join(scratch.dir, 'pods/volumes');
  volumes = createPodVolumes({ client: noClient, root, nodeName: 'node-a', mount: mounts, memoryBackedSecrets: false });
});
after(() => scratch.remove());

test('emptyDir: a 0777 directory shared by init and app containers, its content kept across set-ups', async () => {
  const pod = testPod({
    volumes: [{ name: 'work', emptyDir: {} }],
    initContainers: [{ name: 'fetch', image: 'busybox', volumeMounts: [{ name: 'work', mountPath: '/out' }] }],
    containers: [
      { name: 'app', image: 'busybox', volumeMounts: [{ name: 'work', mountPath: '/data', readOnly: true }] },
      { name: 'idle', image: 'busybox' },
    ],
  });
  const got = await volumes.setUp(pod);
  const dir = join(root, pod.metadata!.uid!, 'volumes/kubernetes.io~empty-dir/work');
  assert.deepEqual([...got.keys()], ['fetch', 'app', 'idle']);
  assert.deepEqual(got.get('fetch'), [{ containerPath: '/out', hostPath: dir, readOnly: false }]);
  assert.deepEqual(got.get('app'), [{ containerPath: '/data', hostPath: dir, readOnly: true }]);
  assert.deepEqual(got.get('idle'), []);
  assert.equal((await stat(dir)).mode & 0o777, 0o777);
  await writeFile(join(dir, 'result'), 'ok');
  await volumes.setUp(pod);
  assert.equal(await readFile(join(dir, 'result'), 'utf8'), 'ok');
  assert.equal(mounts.points.size, 0, 'disk-backed: no mount');
});

test('emptyDir medium Memory: a tmpfs of sizeLimit, mounted once, unmounted before the tear-down removes the pod', async () => {
  const pod = testPod({ volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }] });
  const uid = pod.metadata!.uid!;
  await volumes.setUp(pod);
  const dir = join(root, uid, 'volumes/kubernetes.io~empty-dir/cache');
  assert.equal(mounts.points.get(dir), 64 * 1024 * 1024);
  mounts.points.set(dir, 1); // a second set-up must not mount over it again
  await volumes.setUp(pod);
  assert.equal(mounts.points.get(dir), 1);
  await volumes.tearDown(uid);
  assert.equal(mounts.points.has(dir), false);
  await assert.rejects(stat(join(root, uid)), { code: 'ENOENT' });
});

test('tear-down removes everything of the pod and nothing else; a mount that stays stops it', async () => {
  const keep = testPod({ volumes: [{ name: 'w', emptyDir: {} }] });
  const pod = testPod({ volumes: [{ name: 'w', emptyDir: {} }] });
  await volumes.setUp(keep);
  await volumes.setUp(pod);
  await volumes.terminationLog(pod, pod.spec!.containers[0]!, 0);
  assert.ok((await volumes.listPods()).includes(pod.metadata!.uid!));
  await volumes.tearDown(pod.metadata!.uid!);
  await assert.rejects(stat(volumes.podDir(pod.metadata!.uid!)), { code: 'ENOENT' });
  assert.ok(!(await volumes.listPods()).includes(pod.metadata!.uid!));
  assert.ok((await stat(volumes.podDir(keep.metadata!.uid!))).isDirectory());
  await volumes.tearDown(pod.metadata!.uid!); // again: nothing to do

  const stuckMounts = fakeMounts({ stuck: true });
  const stuck = createPodVolumes({ client: noClient, root, nodeName: 'node-a', mount: stuckMounts });
  const busy = testPod({ volumes: [{ name: 'm', emptyDir: { medium: 'Memory' } }] });
  await stuck.setUp(busy);
  await assert.rejects(stuck.tearDown(busy.metadata!.uid!), /still mounted/);
  assert.ok((await stat(stuck.podDir(busy.metadata!.uid!))).isDirectory(), 'nothing removed through a mount');
});

test('hostPath: the host path itself, read-only only when the mount says so', async () => {
  const host = join(scratch.dir, 'host-data');
  const pod = testPod({
    volumes: [{ name: 'h', hostPath: { path: host, type: 'DirectoryOrCreate' } }],
    containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'h', mountPath: '/host' }, { name: 'h', mountPath: '/host-ro', readOnly: true, subPath: 'sub' }] }],
  });
  assert.deepEqual((await volumes.setUp(pod)).get('app'), [
    { containerPath: '/host', hostPath: host, readOnly: false },
    { containerPath: '/host-ro', hostPath: join(host, 'sub'), readOnly: true },
  ]);
  await assert.rejects(volumes.setUp(testPod({ volumes: [{ name: 'h', hostPath: { path: join(scratch.dir, 'none'), type: 'Directory' } }] })), {
    message: `hostPath type check failed: ${join(scratch.dir, 'none')} is not a directory`,
  });
});

test('subPath through the manager: made when missing, refused when it escapes (CreateContainerConfigError)', async () => {
  const outside = join(scratch.dir, 'secret-place');
  await mkdir(outside);
  const pod = testPod({
    volumes: [{ name: 'w', emptyDir: {} }],
    containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'w', mountPath: '/logs', subPath: 'app/logs' }] }],
  });
  const [m] = (await volumes.setUp(pod)).get('app')!;
  assert.equal(m!.hostPath, join(root, pod.metadata!.uid!, 'volumes/kubernetes.io~empty-dir/w/app/logs'));
  assert.ok((await stat(m!.hostPath)).isDirectory());

  // A first container planted a link to the host; the next container's subPath must not follow it.
  await symlink(outside, join(root, pod.metadata!.uid!, 'volumes/kubernetes.io~empty-dir/w/planted'));
  const evil = { ...pod, spec: { ...pod.spec!, containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'w', mountPath: '/x', subPath: 'planted' }] }] } };
  await assert.rejects(volumes.setUp(evil), (err: unknown) => {
    assert.ok(err instanceof VolumeError);
    assert.equal(err.reason, 'CreateContainerConfigError');
    assert.equal(err.message, 'failed to prepare subPath for volumeMount "w" of container "app": subPath "planted" resolves outside the volume');
    return true;
  });
  const dotdot = { ...pod, spec: { ...pod.spec!, containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'w', mountPath: '/x', subPath: '../../..' }] }] } };
  await assert.rejects(volumes.setUp(dotdot), /must not contain '\.\.'/);
});

test('subPathExpr expands the container environment', async () => {
  const pod = testPod(
    {
      volumes: [{ name: 'w', emptyDir: {} }],
      containers: [
        {
          name: 'app',
          image: 'busybox',
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          volumeMounts: [{ name: 'w', mountPath: '/logs', subPathExpr: 'logs/$(POD)' }],
        },
      ],
    },
    { name: 'web-7' },
  );
  const [m] = (await volumes.setUp(pod)).get('app')!;
  assert.ok(m!.hostPath.endsWith('/w/logs/web-7'));
});

test('unsupported volume types and unknown volume names fail with a clear reason', async () => {
  const pvc = testPod({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] });
  await assert.rejects(volumes.setUp(pvc), (err: unknown) => {
    assert.ok(err instanceof VolumeError);
    assert.equal(err.reason, 'FailedMount');
    // The claim is looked up in the cluster (claim-volume.ts), which this test has none of.
    assert.match(err.message, /no cluster in this test/);
    assert.equal(err.volume, 'data');
    return true;
  });
  await assert.rejects(volumes.setUp(testPod({ volumes: [{ name: 'n', nfs: { server: 'x', path: '/' } }] })), { message: 'nfs volumes are not supported by k3ts yet' });
  await assert.rejects(volumes.setUp(testPod({ volumes: [{ name: 'h', emptyDir: { medium: 'HugePages' } }] })), /medium "HugePages" is not supported/);
  const unknown = testPod({ containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'ghost', mountPath: '/g' }] }] });
  await assert.rejects(volumes.setUp(unknown), { message: 'volumeMount "ghost" of container "app" names no volume of the pod' });
});

test('termination messages through the manager', async () => {
  const pod = testPod({});
  const c = { name: 'app', image: 'busybox', terminationMessagePath: '/dev/termination-log' };
  const m = await volumes.terminationLog(pod, c, 0);
  assert.equal(m!.hostPath, join(root, pod.metadata!.uid!, 'containers/app/0'));
  await writeFile(m!.hostPath, 'bye');
  assert.equal(await volumes.readTerminationMessage(pod.metadata!.uid!, 'app', 0), 'bye');
});
