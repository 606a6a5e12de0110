import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan, type PlanInput, type PodView } from './plan.js';

const pod = (ordinal: number, o: Partial<PodView> = {}): PodView => ({
  name: `web-${ordinal}`, ordinal, revision: 'r2', terminating: false, finished: false, ready: true, healthy: true, ...o,
});
const base = (o: Partial<PlanInput>): PlanInput => ({
  start: 0, replicas: 3, ordered: true, onDelete: false, partition: 0, currentRevision: 'r1', updateRevision: 'r2', pods: [], ...o,
});
const show = (p: PlanInput) => plan(p).map((a) => (a.kind === 'create' ? `+${a.ordinal}@${a.revision}` : `-${a.pod.name}:${a.why}`));

test('OrderedReady creates one pod at a time, each after the one before is ready', () => {
  assert.deepEqual(show(base({})), ['+0@r2']);
  assert.deepEqual(show(base({ pods: [pod(0, { ready: false, healthy: false })] })), []);
  assert.deepEqual(show(base({ pods: [pod(0)] })), ['+1@r2']);
  assert.deepEqual(show(base({ pods: [pod(0), pod(1)] })), ['+2@r2']);
  // A gap below is filled first, even when higher ordinals exist.
  assert.deepEqual(show(base({ pods: [pod(1), pod(2)] })), ['+0@r2']);
});

test('Parallel creates every missing pod at once and removes every extra one', () => {
  assert.deepEqual(show(base({ ordered: false })), ['+0@r2', '+1@r2', '+2@r2']);
  assert.deepEqual(show(base({ ordered: false, replicas: 1, pods: [pod(0), pod(1, { healthy: false }), pod(2)] })), ['-web-2:condemned', '-web-1:condemned']);
});

test('OrderedReady scales down from the highest ordinal, one at a time, only when the rest are healthy', () => {
  const pods = [pod(0), pod(1), pod(2), pod(3)];
  assert.deepEqual(show(base({ replicas: 2, pods })), ['-web-3:condemned']);
  assert.deepEqual(show(base({ replicas: 2, pods: [pod(0), pod(1), pod(2), pod(3, { terminating: true })] })), []);
  assert.deepEqual(show(base({ replicas: 2, pods: [pod(0), pod(1, { healthy: false }), pod(2)] })), []);
});

test('a finished pod is deleted so that it is made again', () => {
  assert.deepEqual(show(base({ pods: [pod(0, { finished: true, healthy: false })] })), ['-web-0:finished']);
});

test('rolling update goes from the top ordinal down to the partition, one healthy pod at a time', () => {
  const old = (o: number, x: Partial<PodView> = {}) => pod(o, { revision: 'r1', ...x });
  assert.deepEqual(show(base({ pods: [old(0), old(1), old(2)] })), ['-web-2:update']);
  // Its replacement is made at the new revision.
  assert.deepEqual(show(base({ pods: [old(0), old(1)] })), ['+2@r2']);
  // Wait until the new pod is healthy before the next.
  assert.deepEqual(show(base({ pods: [old(0), old(1), pod(2, { healthy: false, ready: false })] })), []);
  assert.deepEqual(show(base({ pods: [old(0), old(1), pod(2)] })), ['-web-1:update']);
  // The partition keeps ordinals below it at the current revision, also when they are made again.
  assert.deepEqual(show(base({ partition: 2, pods: [old(0), old(1), pod(2)] })), []);
  assert.deepEqual(show(base({ partition: 2, pods: [old(1), pod(2)] })), ['+0@r1']);
  // OnDelete never deletes for an update; recreated pods get the new revision.
  assert.deepEqual(show(base({ onDelete: true, pods: [old(0), old(1)] })), ['+2@r2']);
  assert.deepEqual(show(base({ onDelete: true, pods: [old(0), old(1), old(2)] })), []);
});

test('ordinals may start elsewhere; the partition counts from the start', () => {
  assert.deepEqual(show(base({ start: 5, replicas: 2, pods: [pod(5)] })), ['+6@r2']);
  assert.deepEqual(show(base({ start: 5, replicas: 2, partition: 1, pods: [] })), ['+5@r1']);
  assert.deepEqual(show(base({ start: 5, replicas: 2, pods: [pod(0), pod(5), pod(6)] })), ['-web-0:condemned']);
});
