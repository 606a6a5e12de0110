import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { createObject } from '../resources/operations.js';
import { hasReason } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';

const svcs = { group: '', version: 'v1', resource: 'services' };
const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const nodePorts = (o: KObject) => ((o.spec as { ports: Array<{ nodePort?: number }> }).ports ?? []).map((p) => p.nodePort);

describe('ClusterIP and NodePort allocation', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  it('gives every port of a Service its own NodePort in range, and a ClusterIP in the service CIDR', async () => {
    const ports = Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, port: 1000 + i }));
    const s = await cp.client.create(svcs, svc('many', { type: 'NodePort', ports }));
    const got = nodePorts(s) as number[];
    assert.equal(new Set(got).size, 20);
    assert.ok(got.every((n) => n >= 30000 && n <= 32767));
    assert.match((s.spec as { clusterIP: string }).clusterIP, /^10\.43\.\d+\.\d+$/);
  });

  // The port 'first' asks for: one the random picks above left free (a fixed one collided with
  // them about once in 140 runs).
  let firstPort = 0;

  it('refuses a taken NodePort or ClusterIP with the field that clashes', async () => {
    const used = new Set((await cp.client.list(svcs)).items.flatMap(nodePorts));
    firstPort = Array.from({ length: 200 }, (_, i) => 30080 + i).find((n) => !used.has(n))!;
    await cp.client.create(svcs, svc('first', { type: 'NodePort', ports: [{ port: 80, nodePort: firstPort }] }));
    await assert.rejects(cp.client.create(svcs, svc('second', { type: 'NodePort', ports: [{ port: 80, nodePort: firstPort }] })), (err: Error & { details?: { causes?: Array<{ field?: string; message?: string }> } }) =>
      hasReason(err, 'Invalid') && err.details?.causes?.[0]?.field === 'spec.ports[0].nodePort' && /provided port is already allocated/.test(err.details.causes[0].message ?? ''));
    await assert.rejects(cp.client.create(svcs, svc('third', { clusterIP: '10.43.0.1', ports: [{ port: 80 }] })), (err: Error) => hasReason(err, 'Invalid') && /provided IP is already allocated/.test(err.message));
  });

  it('a dry run or a refused create keeps nothing: the port is free for the next Service', async () => {
    const d = cp.context.registry.findByResource('', 'v1', 'services')!;
    // Two ports no earlier test's Service was given at random.
    const used = new Set((await cp.client.list(svcs)).items.flatMap(nodePorts));
    const [p1, p2] = Array.from({ length: 200 }, (_, i) => 30100 + i).filter((n) => !used.has(n));
    await createObject(cp.context, d, 'default', svc('dry', { type: 'NodePort', ports: [{ port: 80, nodePort: p1 }] }), { dryRun: true });
    // Admitted (p2 reserved), then refused by storage: the name is taken.
    await cp.client.create(svcs, svc('taken', { ports: [{ port: 80 }] }));
    await assert.rejects(createObject(cp.context, d, 'default', svc('taken', { type: 'NodePort', ports: [{ port: 80, nodePort: p2 }] })), (err) => hasReason(err, 'AlreadyExists'));
    const a = await cp.client.create(svcs, svc('real-a', { type: 'NodePort', ports: [{ port: 80, nodePort: p1 }] }));
    const b = await cp.client.create(svcs, svc('real-b', { type: 'NodePort', ports: [{ port: 80, nodePort: p2 }] }));
    assert.deepEqual([...nodePorts(a), ...nodePorts(b)], [p1, p2]);
  });

  it('deleting a Service frees its NodePort; an update keeps the ports it had', async () => {
    const s = await cp.client.create(svcs, svc('keep', { type: 'NodePort', ports: [{ port: 80 }] }));
    const before = nodePorts(s)[0];
    const updated = await cp.client.patch(svcs, 'default', 'keep', { type: 'merge', body: { metadata: { labels: { a: 'b' } } } });
    assert.equal(nodePorts(updated)[0], before);
    await cp.client.delete(svcs, 'default', 'first');
    let reused;
    for (let i = 0; i < 50 && !reused; i++) {
      try {
        reused = await cp.client.create(svcs, svc('reuse', { type: 'NodePort', ports: [{ port: 80, nodePort: firstPort }] }));
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    assert.equal(reused && nodePorts(reused)[0], firstPort);
  });
});
