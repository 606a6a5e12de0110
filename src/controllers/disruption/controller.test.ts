import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import type { KObject } from '../../registry/types.js';
import { podsType } from '../workloads/resources.js';
import { pdbsType, runDisruptionController } from './controller.js';

const ns = 'default';
const pod = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'postgres' }] } });
const pdb = (name: string, spec: Record<string, unknown>): KObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: ns }, spec: { selector: { matchLabels: { app: 'db' } }, ...spec } });

async function eventually<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('disruption controller and eviction', () => {
  let cp: TestControlPlane;
  const stop = new AbortController();
  before(async () => {
    cp = await startTestControlPlane();
    await runDisruptionController({ client: cp.client }, stop.signal);
    for (const name of ['db-0', 'db-1', 'db-2']) {
      const created = await cp.client.create(podsType, pod(name));
      await cp.client.update(podsType, { ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    }
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });
  const status = (name: string, want: (s: Record<string, unknown>) => boolean) =>
    eventually(`status of ${name}`, async () => {
      const got = await cp.client.get(pdbsType, ns, name);
      const s = (got.status ?? {}) as Record<string, unknown>;
      return s.observedGeneration === got.metadata.generation && want(s) ? s : undefined;
    });
  const evict = (name: string) => cp.client.createSubresource(podsType, ns, name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } });

  it('counts expected, healthy and desired pods and the disruptions allowed', async () => {
    await cp.client.create(pdbsType, pdb('all-three', { minAvailable: 3 }));
    const s = await status('all-three', (s) => s.currentHealthy === 3);
    assert.equal(s.expectedPods, 3);
    assert.equal(s.desiredHealthy, 3);
    assert.equal(s.disruptionsAllowed, 0);
    assert.deepEqual((s.conditions as Array<Record<string, unknown>>).map((c) => `${c.type}=${c.status}/${c.reason}`), ['DisruptionAllowed=False/InsufficientPods']);
  });

  it('an eviction the budget does not allow is 429 with upstream message; the pod stays', async () => {
    await assert.rejects(evict('db-0'), (err: { code?: number; message?: string; details?: { causes?: Array<{ message: string }> } }) => {
      assert.equal(err.code, 429);
      assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.equal(err.details?.causes?.[0]?.message, 'The disruption budget all-three needs 3 healthy pods and has 3 currently');
      return true;
    });
    await cp.client.get(podsType, ns, 'db-0');
  });

  it('an allowed eviction spends the budget; the next is refused until the status catches up', async () => {
    await cp.client.delete(pdbsType, ns, 'all-three');
    await cp.client.create(pdbsType, pdb('two', { maxUnavailable: 1 }));
    await status('two', (s) => s.disruptionsAllowed === 1);
    await evict('db-1');
    await assert.rejects(evict('db-2'), (err: { code?: number }) => err.code === 429);
    const s = await status('two', (s) => s.currentHealthy === 2);
    assert.equal(s.disruptionsAllowed, 0);
  });
});
