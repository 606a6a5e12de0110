// /stats/summary on a kubelet with the simulated runtime: pods it runs appear with their
// containers' rates and working sets, and the node with its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeletApi } from '../api.js';
import { podsType } from '../pod-sync.js';
import { getPod, podManifest, startFixture, waitFor } from '../test-support.js';
import type { Summary } from '../../metrics/summary.js';

function getJson(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the kubelet API serves /stats/summary: node, pods, containers with CPU rates and working sets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-summary-'));
  const socketPath = join(dir, 'kubelet.sock');
  const f = await startFixture({ statsIntervalMs: 100, statsMinWindowMs: 200 }, { podCIDR: '10.42.3.0/24' });
  const server = createServer(createKubeletApi(f.kubelet));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const container = (name: string, cpu: string) => ({ name, image: 'busybox', command: ['sleep', 'infinity'], resources: { requests: { cpu }, limits: { cpu, memory: '64Mi' } } });
    await f.plane.client.create(podsType, podManifest('busy', { containers: [container('a', '200m'), container('b', '100m')] }, { labels: { app: 'busy' } }));
    const uid = await waitFor('busy running', async () => {
      const pod = await getPod(f.plane, 'busy');
      return pod.status?.phase === 'Running' && pod.metadata!.uid;
    });
    const summary = await waitFor('rates for both containers', async () => {
      const r = await getJson(socketPath, '/stats/summary');
      assert.equal(r.status, 200);
      const s = JSON.parse(r.body) as Summary;
      return s.pods[0]?.containers.every((c) => c.cpu?.usageNanoCores !== undefined) && s;
    });
    assert.equal(summary.node.nodeName, 'node-a');
    assert.ok(summary.node.cpu!.usageNanoCores! >= 50e6, 'the simulated node has its own overhead');
    const pod = summary.pods[0]!;
    assert.deepEqual(pod.podRef, { name: 'busy', namespace: 'default', uid });
    assert.deepEqual(pod.containers.map((c) => c.name), ['a', 'b']);
    const a = pod.containers[0]!.cpu!.usageNanoCores!;
    // Around half the limit, wobbling: 100m ± (20 % level spread, 25 % wobble).
    assert.ok(a > 0.05e9 && a < 0.16e9, `container a uses ${a}n`);
    assert.ok(pod.containers.every((c) => c.memory!.workingSetBytes! > 0 && c.memory!.workingSetBytes! <= 64 << 20));
    assert.equal(pod.cpu!.usageNanoCores, pod.containers.reduce((n, c) => n + c.cpu!.usageNanoCores!, 0));
  } finally {
    server.close();
    await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
