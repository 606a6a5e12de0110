import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../../test/support/bare-control-plane.js';
import { runReplicaSetController } from './replicaset.js';
import type { KObject } from '../../registry/types.js';
import { podsType, replicaSetsType } from './resources.js';
import { eventsFor, eventually, listPods, setPodRunning } from './test-support.js';

const ns = 'default';
const isReady = (p: KObject) => ((p.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const isActive = (p: KObject) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes((p.status as { phase?: string })?.phase ?? '');

function replicaSet(name: string, replicas: number, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'main', image: 'nginx' }] } }, ...extra },
  };
}

describe('ReplicaSet controller', () => {
  let cp: BareControlPlane;
  // A bare control plane: no scheduler binding these pods, no second copy of these controllers.
  const stop = new AbortController();
  before(async () => {
    cp = await startBareControlPlane();
    await runReplicaSetController({ client: cp.client }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const podsOf = async (rs: KObject) => listPods(cp.client, ns, (p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && isActive(p));

  it('creates pods from the template, owned by the ReplicaSet, and reports their readiness', async () => {
    const rs = await cp.client.create(replicaSetsType, replicaSet('web', 3));
    const pods = await eventually(async () => ((await podsOf(rs)).length === 3 ? podsOf(rs) : false), '3 pods');
    for (const p of pods) {
      assert.ok(p.metadata.name!.startsWith('web-'));
      assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'web' });
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    await setPodRunning(cp.client, pods[0]);
    await setPodRunning(cp.client, pods[1]);
    const status = await eventually(async () => {
      const s = (await cp.client.get(replicaSetsType, ns, 'web')).status as Record<string, number>;
      return s.readyReplicas === 2 ? s : false;
    }, 'two ready');
    assert.deepEqual(
      { replicas: status.replicas, fullyLabeledReplicas: status.fullyLabeledReplicas, readyReplicas: status.readyReplicas, availableReplicas: status.availableReplicas, observedGeneration: status.observedGeneration },
      { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 },
    );
    // Events are written in the background.
    const events = await eventually(async () => {
      const events = (await eventsFor(cp.client, ns, 'web')).filter((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-/.test(e.message));
      return events.length === 3 ? events : false;
    }, 'three SuccessfulCreate events');
    assert.equal(events[0].source?.component, 'replicaset-controller');
  });

  it('replaces a deleted pod at once', async () => {
    const rs = await cp.client.get(replicaSetsType, ns, 'web');
    const victim = (await podsOf(rs)).find((p) => !isReady(p))!;
    await cp.client.delete(podsType, ns, victim.metadata.name!);
    await eventually(async () => {
      const pods = await podsOf(rs);
      return pods.length === 3 && !pods.some((p) => p.metadata.name === victim.metadata.name);
    }, 'replacement');
  });

  it('scales down, deleting pods that are not ready first', async () => {
    const rs = await cp.client.get(replicaSetsType, ns, 'web');
    const readyBefore = (await podsOf(rs)).filter(isReady).map((p) => p.metadata.name);
    assert.equal(readyBefore.length, 2);
    await cp.client.patch(replicaSetsType, ns, 'web', { type: 'merge', body: { spec: { replicas: 2 } } });
    const left = await eventually(async () => ((await podsOf(rs)).length === 2 ? podsOf(rs) : false), 'scale down to 2');
    assert.deepEqual(left.map((p) => p.metadata.name).sort(), readyBefore.sort());
    await eventually(async () => (await eventsFor(cp.client, ns, 'web')).some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message)), 'SuccessfulDelete event');
    await eventually(async () => ((await cp.client.get(replicaSetsType, ns, 'web')).status as { replicas: number; observedGeneration: number }).observedGeneration === 2, 'observed generation 2');
  });

  it('adopts a matching orphan and releases a pod whose labels no longer match', async () => {
    const rs = await cp.client.create(replicaSetsType, replicaSet('api', 1));
    const orphan = await cp.client.create(podsType, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: ns, labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image: 'nginx' }] } });
    void orphan;
    // Either the orphan is adopted before the controller creates one, or the extra is deleted: one pod remains, owned.
    const [owned] = await eventually(async () => {
      const pods = await podsOf(rs);
      return pods.length === 1 && (await listPods(cp.client, ns, (p) => p.metadata.labels?.app === 'api')).length === 1 ? pods : false;
    }, 'one owned api pod');
    await cp.client.patch(podsType, ns, owned.metadata.name!, { type: 'merge', body: { metadata: { labels: { app: 'debug' } } } });
    await eventually(async () => {
      const released = await cp.client.get(podsType, ns, owned.metadata.name!);
      const pods = await podsOf(rs);
      return !released.metadata.ownerReferences?.length && pods.length === 1 && pods[0].metadata.name !== owned.metadata.name;
    }, 'released and replaced');
  });

  it('counts a ready pod as available only after minReadySeconds', async () => {
    const rs = await cp.client.create(replicaSetsType, replicaSet('slow', 1, { minReadySeconds: 1 }));
    const [pod] = await eventually(async () => ((await podsOf(rs)).length === 1 ? podsOf(rs) : false), 'pod');
    await setPodRunning(cp.client, pod);
    await eventually(async () => ((await cp.client.get(replicaSetsType, ns, 'slow')).status as { readyReplicas?: number }).readyReplicas === 1, 'ready');
    assert.equal(((await cp.client.get(replicaSetsType, ns, 'slow')).status as { availableReplicas?: number }).availableReplicas, 0);
    await eventually(async () => ((await cp.client.get(replicaSetsType, ns, 'slow')).status as { availableReplicas?: number }).availableReplicas === 1, 'available', 4000);
  });

  it('paces a huge replica count instead of flooding the server, and stops when the ReplicaSet goes', async () => {
    const rs = await cp.client.create(replicaSetsType, replicaSet('huge', 2147483647));
    const started = Date.now();
    // Reads stay fast while the controller works through its budget.
    const latencies: number[] = [];
    while (Date.now() - started < 3000) {
      const t0 = performance.now();
      await cp.client.get(replicaSetsType, ns, 'huge');
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
    const count = async () => (await podsOf(rs)).length;
    const created = await count();
    // The shared budget: a burst of 400, then 200 a second.
    assert.ok(created >= 400 && created <= 400 + 200 * 3.5, `${created} pods after 3 s`);
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    assert.ok(p99 < 50, `GET p99 ${p99.toFixed(1)} ms while creating`);
    await cp.client.delete(replicaSetsType, ns, 'huge', { propagationPolicy: 'Orphan' });
    await new Promise((r) => setTimeout(r, 300));
    const atDelete = await count();
    await new Promise((r) => setTimeout(r, 1500));
    // At most the pass in flight finishes after the delete.
    assert.ok((await count()) - atDelete <= 500, `${(await count()) - atDelete} pods created after the delete`);
  });
});
