import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { SchedulerCache } from './cache.js';
import { place, type Placement } from './place.js';
import { podInfo } from './pod-info.js';
import { makeNode, makePod, type NodeShape, type PodShape } from './test-fixtures.js';

let uids = 0;
function cluster(...nodes: NodeShape[]) {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.upsertNode(makeNode(n) as unknown as Node);
  return {
    cache,
    /** Places a pod already bound to `node`, as the watch would report it. */
    running(node: string, p: Partial<PodShape> = {}) {
      cache.upsertBoundPod(podInfo(makePod({ name: `running-${++uids}`, uid: `u${uids}`, ...p, spec: { ...(p.spec ?? {}), nodeName: node } })));
    },
    place(p: Partial<PodShape> = {}, random?: () => number): Placement {
      return place(podInfo(makePod({ name: 'web', uid: `u${++uids}`, ...p })), cache.nodeList(), random);
    },
    /** Places and assumes, as the scheduler does before binding; returns the node name. */
    schedule(p: Partial<PodShape> = {}): string {
      const info = podInfo(makePod({ name: `pod-${++uids}`, uid: `u${uids}`, ...p }));
      const r = place(info, cache.nodeList());
      assert.ok('node' in r, `expected a node, got: ${'unschedulable' in r ? r.unschedulable : ''}`);
      cache.assume(info, r.node.name);
      return r.node.name;
    },
  };
}

const nodeOf = (r: Placement) => ('node' in r ? r.node.name : undefined);
const messageOf = (r: Placement) => ('unschedulable' in r ? r.unschedulable : undefined);

describe('filters and the FailedScheduling message', () => {
  it('says no nodes are available when there are none', () => {
    assert.equal(messageOf(cluster().place()), 'no nodes available to schedule pods');
  });

  it('counts each reason per node, sorted as upstream, with the preemption part', () => {
    const c = cluster({ name: 'a', unschedulable: true }, { name: 'b', cpu: '1' }, { name: 'c', cpu: '1' });
    assert.equal(
      messageOf(c.place({ cpu: '2' })),
      '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('lists every resource a node lacks', () => {
    const c = cluster({ name: 'a', cpu: '1', memory: '1Gi' });
    assert.equal(
      messageOf(c.place({ cpu: '2', memory: '2Gi' })),
      '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
  });

  it('counts requests already placed, and fits a pod that needs exactly what is left', () => {
    const c = cluster({ name: 'a', cpu: '2' });
    c.running('a', { cpu: '1500m' });
    assert.equal(nodeOf(c.place({ cpu: '500m' })), 'a');
    assert.match(messageOf(c.place({ cpu: '501m' })) ?? '', /1 Insufficient cpu\./);
  });

  it('refuses more pods than allocatable pods', () => {
    const c = cluster({ name: 'a', pods: 1 });
    c.running('a');
    assert.match(messageOf(c.place()) ?? '', /^0\/1 nodes are available: 1 Too many pods\. preemption/);
  });

  it('does not count finished pods once the watch drops them', () => {
    const c = cluster({ name: 'a', pods: 1 });
    const done = podInfo(makePod({ name: 'done', uid: 'done', spec: { nodeName: 'a' } }));
    c.cache.upsertBoundPod(done);
    assert.equal(nodeOf(c.place()), undefined);
    c.cache.removePod('done');
    assert.equal(nodeOf(c.place()), 'a');
  });

  it('keeps pods off untolerated NoSchedule and NoExecute taints, naming the first', () => {
    const c = cluster(
      { name: 'a', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
      { name: 'b', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] },
    );
    assert.equal(
      messageOf(c.place()),
      '0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    assert.equal(nodeOf(c.place({ spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } })), 'a');
    assert.equal(nodeOf(c.place({ spec: { tolerations: [{ operator: 'Exists' }] } }, () => 0.99)) !== undefined, true);
  });

  it('treats PreferNoSchedule as a score only', () => {
    const c = cluster({ name: 'a', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }, { name: 'b' });
    for (let i = 0; i < 5; i++) assert.equal(nodeOf(c.place()), 'b');
    const only = cluster({ name: 'a', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] });
    assert.equal(nodeOf(only.place()), 'a');
  });

  it('lets a cordoned node take only pods tolerating node.kubernetes.io/unschedulable', () => {
    const c = cluster({ name: 'a', unschedulable: true });
    assert.match(messageOf(c.place()) ?? '', /1 node\(s\) were unschedulable\./);
    assert.equal(nodeOf(c.place({ spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } })), 'a');
  });

  it('matches nodeSelector and required node affinity', () => {
    const c = cluster({ name: 'a', labels: { disk: 'ssd' } }, { name: 'b', labels: { disk: 'hdd' } });
    assert.equal(nodeOf(c.place({ spec: { nodeSelector: { disk: 'ssd' } } })), 'a');
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }] } } };
    assert.equal(nodeOf(c.place({ spec: { affinity } })), 'b');
    assert.equal(
      messageOf(c.place({ spec: { nodeSelector: { disk: 'nvme' } } })),
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
  });

  it('checks a pod pinned by matchFields only against its node, as for DaemonSet pods', () => {
    const c = cluster({ name: 'a', cpu: '1' }, { name: 'b' }, { name: 'c' });
    const pinTo = (node: string) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } });
    assert.equal(nodeOf(c.place({ spec: { affinity: pinTo('c') } })), 'c');
    assert.equal(
      messageOf(c.place({ cpu: '2', spec: { affinity: pinTo('a') } })),
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    );
  });

  it('refuses a host port another pod on the node holds', () => {
    const c = cluster({ name: 'a' });
    const port = (hostPort: number, hostIP?: string) => ({ container: { ports: [{ containerPort: 80, hostPort, protocol: 'TCP', ...(hostIP ? { hostIP } : {}) }] } });
    c.running('a', port(8080));
    assert.equal(
      messageOf(c.place(port(8080))),
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
    assert.equal(nodeOf(c.place(port(8081))), 'a');
    assert.equal(nodeOf(c.place({ container: { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }] } })), 'a');
    c.running('a', port(9090, '10.0.0.1'));
    assert.equal(nodeOf(c.place(port(9090, '10.0.0.2'))), 'a');
    assert.equal(messageOf(c.place(port(9090))) !== undefined, true, 'all addresses clash with one');
  });

  it('says so when the pod cannot preempt', () => {
    const c = cluster({ name: 'a', cpu: '1' });
    assert.equal(
      messageOf(c.place({ cpu: '2', spec: { preemptionPolicy: 'Never' } })),
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
  });
});

describe('scoring', () => {
  const three = () => cluster({ name: 'a' }, { name: 'b' }, { name: 'c' });

  it('puts 2 replicas on 2 nodes and 6 replicas 2/2/2 over 3 nodes', () => {
    for (let round = 0; round < 20; round++) {
      const c = three();
      const two = [c.schedule({ owner: 'rs-1' }), c.schedule({ owner: 'rs-1' })];
      assert.notEqual(two[0], two[1]);
      const counts = new Map<string, number>();
      for (let i = 0; i < 6; i++) {
        const n = c.schedule({ owner: 'rs-2', cpu: '100m' });
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      assert.deepEqual([...counts.values()].sort(), [2, 2, 2]);
    }
  });

  it('spreads replicas even onto a busier node', () => {
    const c = cluster({ name: 'a' }, { name: 'b' });
    c.running('a', { cpu: '1' });
    c.running('b', { owner: 'rs-1' });
    assert.equal(c.schedule({ owner: 'rs-1' }), 'a');
  });

  it('prefers the emptier node for pods of no controller', () => {
    const c = cluster({ name: 'a' }, { name: 'b' });
    c.running('a', { cpu: '2', memory: '4Gi' });
    for (let i = 0; i < 5; i++) assert.equal(nodeOf(c.place({ cpu: '100m' })), 'b');
  });

  it('breaks ties between equal nodes at random, not by name', () => {
    const c = three();
    assert.equal(nodeOf(c.place({}, () => 0.99)), 'a');
    assert.equal(nodeOf(c.place({}, () => 0)), 'c');
  });

  it('follows preferred node affinity', () => {
    const c = cluster({ name: 'a' }, { name: 'b', labels: { zone: 'z1' } });
    const affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } }] } };
    for (let i = 0; i < 5; i++) assert.equal(nodeOf(c.place({ spec: { affinity } })), 'b');
  });
});
