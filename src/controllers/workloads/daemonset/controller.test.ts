import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { startBareControlPlane, type BareControlPlane } from '../../../../test/support/bare-control-plane.js';
import type { KObject } from '../../../registry/types.js';
import { daemonSetsType, nodesType, podsType } from '../resources.js';
import { eventually, expectEvents, listPods, setPodRunning } from '../test-support.js';
import { runDaemonSetController } from './controller.js';

const ns = 'kube-system';
const live = (p: KObject) => !p.metadata.deletionTimestamp;
const nodeOf = (p: KObject) => (p.spec as PodSpec).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];

function node(name: string, extra: { labels?: Record<string, string>; taints?: unknown[] } = {}): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } }, spec: extra.taints ? { taints: extra.taints } : {} };
}

describe('DaemonSet controller', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  const errors: unknown[] = [];
  before(async () => {
    cp = await startBareControlPlane();
    await cp.client.create(nodesType, node('n1'));
    await cp.client.create(nodesType, node('n2', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }));
    await cp.client.create(nodesType, node('n3', { labels: { role: 'edge' } }));
    await runDaemonSetController({ client: cp.client, onError: (_k, err) => errors.push(err) }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const podsOf = (name: string) => listPods(cp.client, ns, (p) => p.metadata.labels?.app === name && live(p));
  const statusOf = async (name: string) => (await cp.client.get(daemonSetsType, ns, name)).status as DaemonSetStatus;

  it('runs one pod on every node whose taints it tolerates, pinned by node affinity', async () => {
    const ds = await cp.client.create(daemonSetsType, {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: ns },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'main', image: 'agent:1' }] } } },
    });
    const pods = await eventually(async () => {
      const pods = await podsOf('agent');
      return pods.length === 2 ? pods : false;
    }, 'two pods');
    assert.deepEqual(pods.map(nodeOf).sort(), ['n1', 'n3']);
    const pod = pods[0];
    assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.ok(pod.metadata.name!.startsWith('agent-'));
    assert.match(pod.metadata.labels!['controller-revision-hash'], /^[b-z2-9]+$/);
    assert.deepEqual((pod.spec as PodSpec).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeOf(pod)] }] }] });
    const tolerations = (pod.spec as PodSpec).tolerations!.map((t) => `${t.key}:${t.effect}`);
    assert.deepEqual(tolerations, [
      'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    assert.ok((pod.spec as PodSpec).tolerations!.every((t) => t.tolerationSeconds === undefined));
    for (const p of pods) await setPodRunning(cp.client, p);
    const s = await eventually(async () => ((await statusOf('agent')).numberAvailable === 2 ? statusOf('agent') : false), 'available');
    assert.deepEqual(
      [s.desiredNumberScheduled, s.currentNumberScheduled, s.numberMisscheduled, s.numberReady, s.numberAvailable, s.numberUnavailable ?? 0, s.updatedNumberScheduled, s.observedGeneration],
      [2, 2, 0, 2, 2, 0, 2, 1],
    );
    await expectEvents(cp.client, ns, 'agent', (e) => e.reason === 'SuccessfulCreate' && e.source?.component === 'daemonset-controller', 2);
  });

  it('follows nodes: a new node gets a pod, a node that gains an untolerated NoExecute taint loses it', async () => {
    await cp.client.create(nodesType, node('n4'));
    await eventually(async () => (await podsOf('agent')).some((p) => nodeOf(p) === 'n4'), 'pod on n4');
    await cp.client.patch(nodesType, undefined, 'n4', { type: 'merge', body: { spec: { taints: [{ key: 'evict', value: 'me', effect: 'NoExecute' }] } } });
    await eventually(async () => !(await podsOf('agent')).some((p) => nodeOf(p) === 'n4'), 'pod gone from n4');
    await eventually(async () => (await statusOf('agent')).desiredNumberScheduled === 2, 'desired back to 2');
  });

  it('rolls a template change out node by node, and a toleration widens the set of nodes', async () => {
    const before = await podsOf('agent');
    const oldHash = before[0].metadata.labels!['controller-revision-hash'];
    await cp.client.patch(daemonSetsType, ns, 'agent', {
      type: 'merge',
      body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'agent:2' }], tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] } } } },
    });
    let maxOldGone = 0;
    const done = await eventually(async () => {
      // The kubelet's part: pods being deleted go (were they bound to a node, only it would end them).
      for (const p of await listPods(cp.client, ns, (p) => p.metadata.labels?.app === 'agent' && !live(p))) {
        await cp.client.delete(podsType, ns, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
      }
      const pods = await podsOf('agent');
      for (const p of pods) if ((p.status as { phase?: string })?.phase !== 'Running') await setPodRunning(cp.client, p);
      // n1 and n3 had available pods: at most one of them (maxUnavailable 1) may lack one at any time.
      const covered = ['n1', 'n3'].filter((n) => pods.some((p) => nodeOf(p) === n)).length;
      maxOldGone = Math.max(maxOldGone, 2 - covered);
      const s = await statusOf('agent');
      return s.updatedNumberScheduled === 3 && s.numberAvailable === 3 && pods.length === 3 ? pods : false;
    }, 'rolled out to three nodes', 10000);
    assert.ok(maxOldGone <= 1);
    assert.deepEqual(done.map(nodeOf).sort(), ['n1', 'n2', 'n3']);
    assert.ok(done.every((p) => p.metadata.labels!['controller-revision-hash'] !== oldHash && (p.spec as PodSpec).containers[0].image === 'agent:2'));
    assert.deepEqual(errors.filter((e) => !/modified/.test((e as Error).message)), []);
  });

  it('honours nodeSelector', async () => {
    await cp.client.create(daemonSetsType, {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'edge', namespace: ns },
      spec: { selector: { matchLabels: { app: 'edge' } }, template: { metadata: { labels: { app: 'edge' } }, spec: { nodeSelector: { role: 'edge' }, containers: [{ name: 'main', image: 'edge' }] } } },
    });
    await eventually(async () => (await statusOf('edge')).desiredNumberScheduled === 1, 'desired 1');
    assert.deepEqual((await podsOf('edge')).map(nodeOf), ['n3']);
  });
});
