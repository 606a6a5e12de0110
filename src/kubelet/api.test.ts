import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeletApi } from './api.js';
import { podsType } from './pod-sync.js';
import { getPod, podManifest, startFixture, waitFor } from './test-support.js';

function get(socketPath: string, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the kubelet API over a unix socket: healthz, pods, container logs (tail, timestamps, follow, previous) and env', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-kapi-'));
  const socketPath = join(dir, 'kubelet.sock');
  const f = await startFixture({}, { podCIDR: '10.42.2.0/24' });
  const server = createServer(createKubeletApi(f.kubelet));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    assert.deepEqual(await get(socketPath, '/healthz'), { status: 200, body: 'ok', type: 'text/plain; charset=utf-8' });

    await f.plane.client.create(
      podsType,
      podManifest('talker', {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo one; echo two; sleep 0.4; echo $(GREETING) three'], env: [{ name: 'GREETING', value: 'hey' }] }],
      }),
    );
    await waitFor('talker running', async () => (await getPod(f.plane, 'talker')).status?.phase === 'Running');

    // Follow from the start: the stream holds until the container exits, then ends.
    const followed = get(socketPath, '/containerLogs/default/talker/main?follow=true');
    const pods = JSON.parse((await get(socketPath, '/pods')).body);
    assert.equal(pods.kind, 'PodList');
    assert.deepEqual(pods.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['talker']);
    const f1 = await followed;
    assert.equal(f1.status, 200);
    assert.equal(f1.body, 'one\ntwo\nhey three\n');

    assert.equal((await get(socketPath, '/containerLogs/default/talker/main?tailLines=1')).body, 'hey three\n');
    assert.match((await get(socketPath, '/containerLogs/default/talker/main?tailLines=2&timestamps=true')).body, /^\S+Z two\n\S+Z hey three\n$/);
    assert.equal((await get(socketPath, '/containerLogs/default/talker/main?limitBytes=5')).body, 'one\nt');

    const previous = await get(socketPath, '/containerLogs/default/talker/main?previous=true');
    assert.equal(previous.status, 404);
    assert.equal(previous.body, 'previous terminated container "main" in pod "talker" not found\n');
    assert.equal((await get(socketPath, '/containerLogs/default/nope/main')).status, 404);

    const env = JSON.parse((await get(socketPath, '/containerEnv/default/talker/main')).body);
    assert.deepEqual(env.env, [{ name: 'GREETING', value: 'hey' }]);
    assert.deepEqual(env.command, ['sh', '-c', 'echo one; echo two; sleep 0.4; echo hey three']);

    assert.equal((await get(socketPath, '/metrics/nope')).status, 404);

    // The node's Prometheus metrics: the pod above was seen, started and measured.
    const metrics = await get(socketPath, '/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(metrics.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(metrics.body, /^kubelet_pod_start_duration_seconds_count [1-9]\d*$/m);
    assert.match(metrics.body, /^kubelet_runtime_operations_duration_seconds_count\{operation_type="create_container"\} [1-9]/m);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('following a running container ends when the client goes away', { timeout: 15_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-kapi-'));
  const socketPath = join(dir, 'kubelet.sock');
  const f = await startFixture({}, { podCIDR: '10.42.2.0/24' });
  const server = createServer(createKubeletApi(f.kubelet));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    await f.plane.client.create(podsType, podManifest('server', { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo listening; sleep 3600'] }] }));
    await waitFor('server running', async () => (await getPod(f.plane, 'server')).status?.phase === 'Running');
    const first = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath, path: '/containerLogs/default/server/main?follow=true' }, (res) => {
        res.setEncoding('utf8');
        res.once('data', (c: string) => {
          resolve(c);
          req.destroy();
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      req.end();
    });
    assert.equal(first, 'listening\n');
    // The server lets go of the connection: close() would hang otherwise.
    await new Promise((resolve) => server.close(resolve));
  } finally {
    server.closeAllConnections?.();
    await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
