import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import type { KObject } from '../../registry/types.js';
import { jobsType, podsType, replicaSetsType } from '../workloads/resources.js';
import { pdbsType, runDisruptionController } from './controller.js';

const ns = 'default';
const running = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
const pod = (name: string, app = 'db', owner?: KObject): KObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name, namespace: ns, labels: { app },
    ...(owner ? { ownerReferences: [{ apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }] } : {}),
  },
  spec: { containers: [{ name: 'c', image: 'postgres' }] },
});
const pdb = (name: string, spec: Record<string, unknown>, app = 'db'): KObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: ns }, spec: { selector: { matchLabels: { app } }, ...spec } });
type ApiErr = { code?: number; message?: string; details?: { causes?: Array<{ reason?: string; message: string }>; retryAfterSeconds?: number } };

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
  const runPod = async (p: KObject, status: Record<string, unknown> = running) => {
    const created = await cp.client.create(podsType, p);
    await cp.client.update(podsType, { ...created, status }, { subresource: 'status' });
  };
  before(async () => {
    cp = await startTestControlPlane();
    await runDisruptionController({ client: cp.client, onError: (k, e) => console.error('disruption', k, e) }, stop.signal);
    for (const name of ['db-0', 'db-1', 'db-2']) await runPod(pod(name));
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
  const conditions = (s: Record<string, unknown>) => (s.conditions as Array<Record<string, unknown>>).map((c) => `${c.type}=${c.status}/${c.reason}`);
  const evict = (name: string, deleteOptions?: Record<string, unknown>) =>
    cp.client.createSubresource(podsType, ns, name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...(deleteOptions ? { deleteOptions } : {}) });
  const gone = async (name: string) => (await cp.client.list(podsType, { namespace: ns })).items.every((p) => p.metadata.name !== name || p.metadata.deletionTimestamp);

  it('counts expected, healthy and desired pods and the disruptions allowed', async () => {
    await cp.client.create(pdbsType, pdb('all-three', { minAvailable: 3 }));
    const s = await status('all-three', (s) => s.currentHealthy === 3);
    assert.equal(s.expectedPods, 3);
    assert.equal(s.desiredHealthy, 3);
    assert.equal(s.disruptionsAllowed, 0);
    assert.deepEqual(conditions(s), ['DisruptionAllowed=False/InsufficientPods']);
  });

  it('an eviction the budget does not allow is 429 with upstream message; the pod stays', async () => {
    await assert.rejects(evict('db-0'), (err: ApiErr) => {
      assert.equal(err.code, 429);
      assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.deepEqual(err.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget all-three needs 3 healthy pods and has 3 currently' }]);
      return true;
    });
    await cp.client.get(podsType, ns, 'db-0');
  });

  it('a dry-run eviction spends nothing; an allowed one spends the budget and the next is refused', async () => {
    await cp.client.delete(pdbsType, ns, 'all-three');
    await cp.client.create(pdbsType, pdb('two', { minAvailable: 2 }));
    await status('two', (s) => s.disruptionsAllowed === 1);
    await evict('db-1', { dryRun: ['All'] });
    await cp.client.get(podsType, ns, 'db-1');
    assert.equal(((await cp.client.get(pdbsType, ns, 'two')).status as Record<string, unknown>).disruptionsAllowed, 1);

    await evict('db-1');
    const spent = (await cp.client.get(pdbsType, ns, 'two')).status as Record<string, unknown>;
    assert.equal(spent.disruptionsAllowed, 0);
    assert.ok(await gone('db-1'));
    await assert.rejects(evict('db-2'), (err: ApiErr) => err.code === 429);
    const s = await status('two', (s) => s.currentHealthy === 2 && s.expectedPods === 2);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(s.disruptedPods, undefined, 'the deleted pod leaves disruptedPods');
    assert.deepEqual(conditions(s), ['DisruptionAllowed=False/InsufficientPods']);
  });

  it('an unready running pod goes without spending the budget while the application is whole', async () => {
    await runPod(pod('db-3'), { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] });
    await status('two', (s) => s.expectedPods === 3 && s.currentHealthy === 2);
    await evict('db-3');
    assert.ok(await gone('db-3'));
    assert.equal(((await cp.client.get(pdbsType, ns, 'two')).status as Record<string, unknown>).disruptedPods, undefined);
  });

  it('maxUnavailable over pods without a controller leaves them out and allows nothing', async () => {
    await cp.client.create(pdbsType, pdb('bare', { maxUnavailable: 1 }));
    const s = await status('bare', (s) => s.currentHealthy === 2);
    assert.equal(s.expectedPods, 0);
    assert.equal(s.disruptionsAllowed, 0);
    await cp.client.delete(pdbsType, ns, 'bare');
  });

  it('percentages and maxUnavailable count the ReplicaSet\'s replicas, rounding up', async () => {
    const rs = await cp.client.create(replicaSetsType, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: ns },
      spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    for (const name of ['web-a', 'web-b', 'web-c']) await runPod(pod(name, 'web', rs));
    await cp.client.create(pdbsType, pdb('web-half', { minAvailable: '50%' }, 'web'));
    const half = await status('web-half', (s) => s.currentHealthy === 3);
    assert.deepEqual([half.expectedPods, half.desiredHealthy, half.disruptionsAllowed], [4, 2, 1]);
    await cp.client.patch(pdbsType, ns, 'web-half', { type: 'merge', body: { spec: { minAvailable: null, maxUnavailable: '30%' } } });
    // 30% of 4 is 1.2, rounded up to 2 that may be missing: 2 must stay, 3 are up.
    const max = await status('web-half', (s) => s.desiredHealthy === 2 && s.expectedPods === 4);
    assert.equal(max.disruptionsAllowed, 1);
    assert.deepEqual(conditions(max), ['DisruptionAllowed=True/SufficientPods']);
  });

  it('a pod whose controller has no scale makes the budget fail safe with SyncFailed', async () => {
    const job = await cp.client.create(jobsType, {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'batch', namespace: ns },
      spec: { template: { metadata: { labels: { app: 'batch' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await runPod(pod('batch-a', 'batch', job));
    await cp.client.create(pdbsType, pdb('batch', { minAvailable: '50%' }, 'batch'));
    const got = await eventually('SyncFailed', async () => {
      const b = await cp.client.get(pdbsType, ns, 'batch');
      const c = ((b.status as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions ?? [])[0];
      return c?.reason === 'SyncFailed' ? { status: b.status as Record<string, unknown>, c } : undefined;
    });
    assert.equal(got.c.status, 'False');
    assert.equal(got.c.message, 'jobs.batch does not implement the scale subresource');
    assert.equal(got.status.disruptionsAllowed, 0);
    await assert.rejects(evict('batch-a'), (err: ApiErr) => err.code === 429 && /still being processed/.test(err.details?.causes?.[0]?.message ?? ''));
  });

  it('a pod no budget covers is simply deleted; two budgets over one pod are refused', async () => {
    await runPod(pod('lone', 'lone'));
    await evict('lone');
    assert.ok(await gone('lone'));
    await cp.client.create(pdbsType, pdb('web-again', { minAvailable: 1 }, 'web'));
    await assert.rejects(evict('web-a'), (err: ApiErr) => err.code === 500 && err.message === 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });
});

describe('eviction writes the budget before the pod goes (no controller running)', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(async () => {
    await cp.close();
  });

  it('spends one disruption, names the pod in disruptedPods and turns the condition False at 0', async () => {
    const created = await cp.client.create(podsType, pod('solo'));
    await cp.client.update(podsType, { ...created, status: running }, { subresource: 'status' });
    const budget = await cp.client.create(pdbsType, pdb('one', { minAvailable: 0 }));
    const since = '2026-01-01T00:00:00Z';
    await cp.client.update(pdbsType, {
      ...budget,
      status: {
        observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1,
        conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: since }],
      },
    }, { subresource: 'status' });
    await cp.client.createSubresource(podsType, ns, 'solo', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'solo', namespace: ns } });
    const s = (await cp.client.get(pdbsType, ns, 'one')).status as { disruptionsAllowed: number; disruptedPods: Record<string, string>; conditions: Array<Record<string, unknown>> };
    assert.equal(s.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(s.disruptedPods), ['solo']);
    assert.ok(Date.now() - Date.parse(s.disruptedPods.solo!) < 60_000);
    assert.deepEqual(s.conditions.map((c) => `${c.status}/${c.reason}`), ['False/InsufficientPods']);
    assert.notEqual(s.conditions[0]!.lastTransitionTime, since);
    await assert.rejects(cp.client.get(podsType, ns, 'solo'), (err: ApiErr) => err.code === 404);
  });
});
