// Which pods a higher-priority pod would remove, and from which node.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeInfo } from './node-info.js';
import { podInfo } from './pod-info.js';
import { findPreemption } from './preemption.js';
import { makeNode, makePod } from './test-fixtures.js';

const node = (name: string, cpu: string, pods: Array<{ name: string; cpu: string; priority: number }>) => {
  const ni = new NodeInfo(name);
  ni.setNode(makeNode({ name, cpu }) as never);
  for (const p of pods) ni.addPod({ ...podInfo(makePod({ name: p.name, uid: p.name, cpu: p.cpu, spec: { priority: p.priority, nodeName: name } })), nodeName: name });
  return ni;
};
const pod = (cpu: string, priority: number, extra: Record<string, unknown> = {}) => podInfo(makePod({ name: 'new', uid: 'new', cpu, spec: { priority, ...extra } }));

describe('preemption', () => {
  it('removes only as many lower-priority pods as needed, keeping the most important', () => {
    const n = node('n1', '4', [{ name: 'low', cpu: '1', priority: 1 }, { name: 'mid', cpu: '2', priority: 5 }, { name: 'high', cpu: '1', priority: 1000 }]);
    const found = findPreemption(pod('2', 100), [n]);
    assert.equal(found?.node.name, 'n1');
    assert.deepEqual(found?.victims.map((v) => v.name), ['mid']);
    assert.equal(n.pods.size, 3, 'the node is left as it was');
    assert.equal(n.requested.milliCpu, 4000);
  });

  it('prefers the node whose victims matter least, then fewer victims', () => {
    const a = node('a', '2', [{ name: 'a1', cpu: '2', priority: 50 }]);
    const b = node('b', '2', [{ name: 'b1', cpu: '1', priority: 10 }, { name: 'b2', cpu: '1', priority: 10 }]);
    const c = node('c', '2', [{ name: 'c1', cpu: '2', priority: 10 }]);
    assert.deepEqual(findPreemption(pod('2', 100), [a, b, c])?.victims.map((v) => v.name), ['c1']);
  });

  it('never preempts equal or higher priority, nor for a pod that says Never', () => {
    const n = node('n1', '2', [{ name: 'same', cpu: '2', priority: 100 }]);
    assert.equal(findPreemption(pod('1', 100), [n]), undefined);
    const m = node('m1', '2', [{ name: 'low', cpu: '2', priority: 1 }]);
    assert.equal(findPreemption(pod('1', 100, { preemptionPolicy: 'Never' }), [m]), undefined);
    assert.equal(findPreemption(pod('8', 100), [m]), undefined, 'not even removing everyone makes room');
  });
});
