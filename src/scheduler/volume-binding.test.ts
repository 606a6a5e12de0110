import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../registry/types.js';
import { NodeInfo } from './node-info.js';
import { place } from './place.js';
import { podInfo } from './pod-info.js';
import { VolumeState } from './volume-binding.js';

const pod = (claims: string[]) =>
  podInfo({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } });
const claim = (name: string, spec: Record<string, unknown>): KObject => ({ metadata: { name, namespace: 'ns' }, spec });
const node = (name: string) => {
  const ni = new NodeInfo(name);
  ni.setNode({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } });
  return ni;
};
const state = () => {
  const s = new VolumeState();
  s.replace('class', [
    { metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, volumeBindingMode: 'WaitForFirstConsumer' },
    { metadata: { name: 'now' }, volumeBindingMode: 'Immediate' },
  ]);
  s.replace('volume', [{ metadata: { name: 'pv-b' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['b'] }] }] } } } }]);
  s.replace('claim', [
    claim('bound-b', { volumeName: 'pv-b' }),
    claim('waits', { storageClassName: 'local-path' }),
    claim('defaulted', {}),
    claim('immediate', { storageClassName: 'now' }),
    claim('dangling', { volumeName: 'pv-gone' }),
  ]);
  return s;
};
const nodes = [node('a'), node('b'), node('c')];
const decide = (claims: string[]) => {
  const info = pod(claims);
  const v = state().verdict(info);
  return { verdict: v, placement: place(info, nodes, () => 0, 'unschedulable' in v ? { preFilterMsg: v.unschedulable } : { filter: v.filter }) };
};

test('a missing claim or an unbound Immediate claim makes the pod wait, in upstream words', () => {
  const missing = decide(['nope']).placement;
  assert.deepEqual(missing, { unschedulable: '0/3 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.' });
  const immediate = decide(['immediate']).placement;
  assert.deepEqual(immediate, { unschedulable: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.' });
});

test("a bound volume's node affinity limits the pod to its nodes", () => {
  const r = decide(['bound-b']).placement;
  assert.ok('node' in r && r.node.name === 'b');
  const dangling = decide(['dangling']).placement;
  assert.ok('unschedulable' in dangling && dangling.unschedulable.includes('3 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)'));
});

test('WaitForFirstConsumer claims (also those about to get the default class) are named for selected-node', () => {
  const r = decide(['waits', 'defaulted', 'bound-b']);
  assert.ok('selectNode' in r.verdict);
  assert.deepEqual(r.verdict.selectNode.map((c) => c.name), ['waits', 'defaulted']);
  assert.ok('node' in r.placement && r.placement.node.name === 'b');
});
