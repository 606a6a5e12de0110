// Preemption end to end in process: a pod of a higher PriorityClass that fits nowhere has a
// lower-priority pod removed, is nominated to that node, and lands there.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec, PodStatus } from 'kubernetes-types/core/v1.js';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { eventually } from '../../test/support/eventually.js';
import { hasReason } from '../client/types.js';
import { runScheduler, type RunningScheduler } from './scheduler.js';
import { makeNode, makePod } from './test-fixtures.js';

const pods = { group: '', version: 'v1', resource: 'pods' };
const nodes = { group: '', version: 'v1', resource: 'nodes' };
const classes = { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses' };
const events = { group: '', version: 'v1', resource: 'events' };

describe('scheduler preemption', () => {
  let cp: TestControlPlane;
  let stop: AbortController;
  let running: RunningScheduler | undefined;

  beforeEach(async () => {
    cp = await startTestControlPlane();
    stop = new AbortController();
  });
  afterEach(async () => {
    stop.abort();
    await running?.stopped;
    await cp.close();
  });

  it('a high-priority pod that fits nowhere takes the place of a low-priority one', async () => {
    for (const [name, value] of [['low', 1], ['high', 1000]] as const) {
      await cp.client.create(classes, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
    }
    await cp.client.create(nodes, makeNode({ name: 'node-1', cpu: '2' }));
    running = await runScheduler({ client: cp.client, initialBackoffMs: 50, maxBackoffMs: 200, relistDelayMs: 20 }, stop.signal);
    // No kubelet here: a grace period of 0 lets the victim go at once.
    await cp.client.create(pods, makePod({ name: 'batch', cpu: '2', spec: { priorityClassName: 'low', terminationGracePeriodSeconds: 0 } }));
    await eventually(async () => ((await cp.client.get(pods, 'default', 'batch')).spec as PodSpec).nodeName, 10_000, 'batch bound');
    await cp.client.create(pods, makePod({ name: 'web', cpu: '1500m', spec: { priorityClassName: 'high' } }));
    const node = await eventually(async () => ((await cp.client.get(pods, 'default', 'web')).spec as PodSpec).nodeName, 10_000, 'web bound');
    assert.equal(node, 'node-1');
    await assert.rejects(cp.client.get(pods, 'default', 'batch'), (err: unknown) => hasReason(err, 'NotFound'));
    const web = await cp.client.get(pods, 'default', 'web');
    assert.equal((web.spec as PodSpec).priority, 1000);
    assert.equal((web.status as PodStatus).nominatedNodeName, 'node-1');
    const preempted = (await cp.client.list(events, { namespace: 'default' })).items.find((e) => e.reason === 'Preempted');
    assert.equal(preempted?.message, `Preempted by pod ${web.metadata.uid} on node node-1`);
  });
});
