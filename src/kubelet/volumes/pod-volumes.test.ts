// ConfigMap, Secret, downward API and projected volumes against a real in-process control plane.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestControlPlane, testCaPem, type TestControlPlane } from '../../../test/support/control-plane.js';
import { waitFor } from '../test-support.js';
import { createPodVolumes } from './pod-volumes.js';
import { fakeMounts, scratchDir, testPod } from './test-support.js';
import { VolumeError, type PodVolumes } from './types.js';

const configMaps = { group: '', version: 'v1', resource: 'configmaps' };
const secrets = { group: '', version: 'v1', resource: 'secrets' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('API-backed volumes', () => {
  let plane: TestControlPlane;
  let scratch: { dir: string; remove(): Promise<void> };
  let volumes: PodVolumes;
  const mounts = fakeMounts();
  const logged: Array<{ msg: string; fields?: Record<string, unknown> }> = [];

  before(async () => {
    plane = await startTestControlPlane();
    scratch = await scratchDir();
    volumes = createPodVolumes({
      client: plane.client,
      root: scratch.dir,
      nodeName: 'node-a',
      nodeIP: '192.168.5.10',
      mount: mounts,
      memoryBackedSecrets: true,
      allocatable: () => ({ cpu: '4', memory: '8Gi' }),
      log: (msg, fields) => logged.push({ msg, fields }),
    });
    await plane.client.create(configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-config', namespace: 'default' },
      data: { 'app.properties': 'color=blue\n', 'log.level': 'debug' },
      binaryData: { 'logo.bin': Buffer.from([0, 1, 2, 255]).toString('base64') },
    });
    await plane.client.create(secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'default' },
      data: { password: b64('s3cret'), user: b64('admin') },
    });
    // The root CA publisher makes it in every namespace; pods rely on it.
    await waitFor('kube-root-ca.crt', () => plane.client.get(configMaps, 'default', 'kube-root-ca.crt').then(() => true));
  });

  after(async () => {
    await plane.close();
    await scratch.remove();
  });

  test('configMap and secret: a file per key (Secret decoded, binaryData too), default 0644, mounted read-only', async () => {
    const pod = testPod({
      volumes: [
        { name: 'cfg', configMap: { name: 'app-config' } },
        { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } },
      ],
      containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'creds', mountPath: '/creds', readOnly: false }] }],
    });
    const got = await volumes.setUp(pod);
    const cfg = join(volumes.podDir(pod.metadata!.uid!), 'volumes/kubernetes.io~configmap/cfg');
    const creds = join(volumes.podDir(pod.metadata!.uid!), 'volumes/kubernetes.io~secret/creds');
    assert.deepEqual(got.get('app'), [
      { containerPath: '/etc/app', hostPath: cfg, readOnly: true },
      { containerPath: '/creds', hostPath: creds, readOnly: true },
    ]);
    assert.equal(await readFile(join(cfg, 'app.properties'), 'utf8'), 'color=blue\n');
    assert.equal(await readFile(join(cfg, 'log.level'), 'utf8'), 'debug');
    assert.deepEqual([...(await readFile(join(cfg, 'logo.bin')))], [0, 1, 2, 255]);
    assert.equal((await stat(join(cfg, 'log.level'))).mode & 0o777, 0o644);
    assert.equal(await readFile(join(creds, 'password'), 'utf8'), 's3cret');
    assert.equal((await stat(join(creds, 'password'))).mode & 0o777, 0o400);
    assert.equal(await readlink(join(cfg, 'log.level')), '..data/log.level');
    assert.ok(mounts.points.has(creds), 'the Secret lives in a tmpfs');
    assert.ok(!mounts.points.has(cfg), 'a ConfigMap does not need one');
  });

  test('items pick keys, give them paths (nested too) and modes; other keys are left out', async () => {
    const pod = testPod({
      volumes: [{ name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'log.level', path: 'conf/level', mode: 0o600 }] } }],
      containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] }],
    });
    const dir = (await volumes.setUp(pod)).get('app')![0]!.hostPath;
    assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('..')), ['conf']);
    assert.equal(await readFile(join(dir, 'conf/level'), 'utf8'), 'debug');
    assert.equal((await stat(join(dir, 'conf/level'))).mode & 0o777, 0o600);
  });

  test('a missing required source fails the set-up with the reason; an optional one gives an empty volume', async () => {
    const missing = testPod({ volumes: [{ name: 'cfg', configMap: { name: 'nope' } }] });
    await assert.rejects(volumes.setUp(missing), (err: unknown) => {
      assert.ok(err instanceof VolumeError);
      assert.equal(err.reason, 'FailedMount');
      assert.equal(err.message, 'configmap "nope" not found');
      assert.equal(err.eventMessage, 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found');
      return true;
    });
    await assert.rejects(volumes.setUp(testPod({ volumes: [{ name: 's', secret: { secretName: 'gone' } }] })), { message: 'secret "gone" not found' });
    await assert.rejects(volumes.setUp(testPod({ volumes: [{ name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'nokey', path: 'x' }] } }] })), {
      message: 'configmap references non-existent config key: nokey',
    });

    const optional = testPod({
      volumes: [
        { name: 'cfg', configMap: { name: 'nope', optional: true } },
        { name: 'part', secret: { secretName: 'db', optional: true, items: [{ key: 'user', path: 'u' }, { key: 'nokey', path: 'n' }] } },
      ],
      containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'cfg', mountPath: '/a' }, { name: 'part', mountPath: '/b' }] }],
    });
    const [a, b] = (await volumes.setUp(optional)).get('app')!;
    assert.deepEqual((await readdir(a!.hostPath)).filter((n) => !n.startsWith('..')), []);
    assert.deepEqual((await readdir(b!.hostPath)).filter((n) => !n.startsWith('..')), ['u']);
  });

  test('downwardAPI: metadata fields, labels and annotations as sorted key="value" lines, resources with a divisor', async () => {
    const pod = testPod(
      {
        serviceAccountName: 'builder',
        volumes: [
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
                { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
                { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
                { path: 'node', fieldRef: { fieldPath: 'spec.nodeName' } },
                { path: 'sa', fieldRef: { fieldPath: 'spec.serviceAccountName' } },
                { path: 'cpu_limit_m', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
                { path: 'mem_request_mi', resourceFieldRef: { containerName: 'app', resource: 'requests.memory', divisor: '1Mi' }, mode: 0o600 },
              ],
            },
          },
        ],
        containers: [{ name: 'app', image: 'busybox', resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } }, volumeMounts: [{ name: 'info', mountPath: '/etc/podinfo' }] }],
      },
      { name: 'web-1', labels: { tier: 'front', app: 'web' }, annotations: { 'build/id': '42' } },
    );
    const dir = (await volumes.setUp(pod)).get('app')![0]!.hostPath;
    const read = (f: string) => readFile(join(dir, f), 'utf8');
    assert.equal(await read('name'), 'web-1');
    assert.equal(await read('namespace'), 'default');
    assert.equal(await read('uid'), pod.metadata!.uid);
    assert.equal(await read('labels'), 'app="web"\ntier="front"');
    assert.equal(await read('annotations'), 'build/id="42"');
    assert.equal(await read('tier'), 'front');
    assert.equal(await read('node'), 'node-a');
    assert.equal(await read('sa'), 'builder');
    assert.equal(await read('cpu_limit_m'), '500');
    assert.equal(await read('mem_request_mi'), '64');
    assert.equal((await stat(join(dir, 'mem_request_mi'))).mode & 0o777, 0o600);

    // A label change reaches the file on the next refresh.
    await volumes.refresh({ ...pod, metadata: { ...pod.metadata, labels: { tier: 'back' } } });
    assert.equal(await read('labels'), 'tier="back"');
  });

  test('projected: a pod-bound token, kube-root-ca.crt, a Secret and the namespace in one directory', async () => {
    const draft = testPod({
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 0o444,
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              { secret: { name: 'db', items: [{ key: 'user', path: 'db/user', mode: 0o400 }] } },
            ],
          },
        },
      ],
      containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
    }, { name: 'projected-token' });
    // The token is bound to the pod, so the pod must exist in the cluster.
    const pod = (await plane.client.create({ group: '', version: 'v1', resource: 'pods' }, { ...draft, metadata: { name: draft.metadata!.name, namespace: 'default' } } as never)) as unknown as typeof draft;
    const m = (await volumes.setUp(pod)).get('app')![0]!;
    assert.equal(m.readOnly, true);
    assert.equal(await readFile(join(m.hostPath, 'ca.crt'), 'utf8'), testCaPem);
    assert.equal(await readFile(join(m.hostPath, 'namespace'), 'utf8'), 'default');
    assert.equal(await readFile(join(m.hostPath, 'db/user'), 'utf8'), 'admin');
    assert.equal((await stat(join(m.hostPath, 'ca.crt'))).mode & 0o777, 0o444);
    assert.equal((await stat(join(m.hostPath, 'db/user'))).mode & 0o777, 0o400);
    const token = await readFile(join(m.hostPath, 'token'), 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'projected-token', uid: pod.metadata!.uid });
    assert.equal(claims.exp - claims.iat, 3607);
    const who = plane.context.serviceAccountTokens!.authenticator.authenticateToken(token);
    assert.equal(who?.user.name, 'system:serviceaccount:default:default');
    assert.ok(mounts.points.has(m.hostPath), 'projected volumes can hold Secrets: in memory too');
    // A refresh well within the token's life keeps the same token.
    await volumes.refresh(pod);
    assert.equal(await readFile(join(m.hostPath, 'token'), 'utf8'), token);
    await plane.client.delete({ group: '', version: 'v1', resource: 'pods' }, 'default', 'projected-token', { gracePeriodSeconds: 0 });
  });

  test('refresh: a ConfigMap update reaches the files atomically (readers see old or new, never a missing file); no change rewrites nothing', async () => {
    await plane.client.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live', namespace: 'default' }, data: { a: 'v0', b: 'v0' } });
    const pod = testPod({
      volumes: [{ name: 'live', configMap: { name: 'live' } }],
      containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'live', mountPath: '/live' }] }],
    });
    const dir = (await volumes.setUp(pod)).get('app')![0]!.hostPath;
    const version = await readlink(join(dir, '..data'));
    await volumes.refresh(pod);
    assert.equal(await readlink(join(dir, '..data')), version, 'nothing changed: nothing written');

    let updating = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (updating) {
        const [a, b] = await Promise.all([readFile(join(dir, 'a'), 'utf8'), readFile(join(dir, 'b'), 'utf8')]);
        assert.match(a, /^v\d+$/);
        assert.match(b, /^v\d+$/);
        seen.add(a);
      }
    })();
    for (let i = 1; i <= 30; i++) {
      const cm = await plane.client.get(configMaps, 'default', 'live');
      await plane.client.update(configMaps, { ...cm, data: { a: `v${i}`, b: `v${i}` } });
      await volumes.refresh(pod);
      assert.equal(await readFile(join(dir, 'a'), 'utf8'), `v${i}`);
    }
    updating = false;
    await reader;
    assert.ok(seen.size > 1, 'the reader saw the content change');

    // A key removed from the ConfigMap goes from the volume.
    const cm = await plane.client.get(configMaps, 'default', 'live');
    await plane.client.update(configMaps, { ...cm, data: { a: 'last' } });
    await volumes.refresh(pod);
    await assert.rejects(lstat(join(dir, 'b')), { code: 'ENOENT' });

    // Deleted while required: the last content stays, the refresh reports it.
    await plane.client.delete(configMaps, 'default', 'live');
    await assert.rejects(volumes.refresh(pod), { message: 'configmap "live" not found' });
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'last');
  });

  test('refresh of a pod never set up, or torn down, makes nothing', async () => {
    const pod = testPod({ volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }] });
    await volumes.refresh(pod);
    await assert.rejects(stat(volumes.podDir(pod.metadata!.uid!)), { code: 'ENOENT' });
    await volumes.setUp(pod);
    await volumes.tearDown(pod.metadata!.uid!);
    await volumes.refresh(pod);
    await assert.rejects(stat(volumes.podDir(pod.metadata!.uid!)), { code: 'ENOENT' });
  });

  test('fsGroup: files belong to the group and are group-readable (root only)', { skip: process.getuid?.() !== 0 ? 'chown to another group needs root' : false }, async () => {
    const pod = testPod({
      securityContext: { fsGroup: 2345 },
      volumes: [{ name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } }],
      containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'creds', mountPath: '/creds' }] }],
    });
    const dir = (await volumes.setUp(pod)).get('app')![0]!.hostPath;
    const st = await stat(join(dir, 'password'));
    assert.equal(st.gid, 2345);
    assert.equal(st.mode & 0o777, 0o440);
  });
});
