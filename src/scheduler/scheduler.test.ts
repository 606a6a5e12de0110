import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodCondition, PodSpec, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Client, WatchEvent } from '../client/types.js';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { runScheduler, type RunningScheduler, type SchedulerOptions } from './scheduler.js';
import { makeNode, makePod, type NodeShape, type PodShape } from './test-fixtures.js';

const pods = { group: '', version: 'v1', resource: 'pods' };
const nodes = { group: '', version: 'v1', resource: 'nodes' };
const events = { group: '', version: 'v1', resource: 'events' };

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scheduler', () => {
  let cp: TestControlPlane;
  let stop: AbortController;
  let running: RunningScheduler | undefined;
  const errors: unknown[] = [];

  beforeEach(async () => {
    cp = await startTestControlPlane();
    stop = new AbortController();
    errors.length = 0;
    running = undefined;
  });
  afterEach(async () => {
    stop.abort();
    await running?.stopped;
    await cp.close();
  });

  const start = async (o: Partial<SchedulerOptions> = {}, client: Client = cp.client) => {
    running = await runScheduler({ client, onError: (e) => errors.push(e), initialBackoffMs: 50, maxBackoffMs: 200, relistDelayMs: 20, ...o }, stop.signal);
  };
  const addNode = (n: NodeShape) => cp.client.create(nodes, makeNode(n));
  const addPod = (p: PodShape) => cp.client.create(pods, makePod(p));
  const nodeOf = async (name: string) => ((await cp.client.get(pods, 'default', name)).spec as PodSpec).nodeName;
  const boundTo = (name: string) => until(`${name} to be bound`, () => nodeOf(name));
  const eventsFor = async (name: string) =>
    (await cp.client.list(events, { namespace: 'default' })).items.filter((e) => (e.involvedObject as { name: string }).name === name);
  const scheduledCondition = async (name: string) =>
    ((await cp.client.get(pods, 'default', name)).status as PodStatus).conditions?.find((c) => c.type === 'PodScheduled');

  it('binds a pod and says so in a Scheduled event', async () => {
    await addNode({ name: 'node-1' });
    await start();
    await addPod({ name: 'web' });
    assert.equal(await boundTo('web'), 'node-1');
    const ev = await until('the Scheduled event', async () => (await eventsFor('web')).find((e) => e.reason === 'Scheduled'));
    assert.equal(ev.message, 'Successfully assigned default/web to node-1');
    assert.equal(ev.type, 'Normal');
    assert.deepEqual(ev.source, { component: 'default-scheduler' });
    assert.equal((await scheduledCondition('web'))?.status, 'True');
    assert.deepEqual(errors, []);
  });

  it('places pods created before it started, spread 2/2/2 per ReplicaSet over 3 nodes', async () => {
    for (const n of ['a', 'b', 'c']) await addNode({ name: n });
    for (let i = 0; i < 6; i++) await addPod({ name: `six-${i}`, owner: 'rs-six', cpu: '100m' });
    for (let i = 0; i < 2; i++) await addPod({ name: `two-${i}`, owner: 'rs-two' });
    await start();
    const six = await Promise.all(Array.from({ length: 6 }, (_, i) => boundTo(`six-${i}`)));
    const counts = new Map<string, number>();
    for (const n of six) counts.set(n, (counts.get(n) ?? 0) + 1);
    assert.deepEqual([...counts.values()].sort(), [2, 2, 2]);
    const two = await Promise.all([boundTo('two-0'), boundTo('two-1')]);
    assert.notEqual(two[0], two[1]);
  });

  it('honours nodeSelector, taints and cordons', async () => {
    await addNode({ name: 'plain' });
    await addNode({ name: 'ssd', labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    await addNode({ name: 'cordoned', labels: { disk: 'ssd' }, unschedulable: true });
    await start();
    await addPod({ name: 'db', spec: { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } });
    await addPod({ name: 'app' });
    assert.equal(await boundTo('db'), 'ssd');
    assert.equal(await boundTo('app'), 'plain');
  });

  it('reports why a pod fits nowhere, then places it once a node that fits appears', async () => {
    await addNode({ name: 'small-1', cpu: '1' });
    await addNode({ name: 'small-2', cpu: '1' });
    await addNode({ name: 'cordoned', unschedulable: true });
    await start();
    await addPod({ name: 'big', cpu: '2' });
    const message =
      '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    const ev = await until('FailedScheduling', async () => (await eventsFor('big')).find((e) => e.reason === 'FailedScheduling'));
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, message);
    const cond = (await until('PodScheduled=False', async () => {
      const c = await scheduledCondition('big');
      return c?.status === 'False' ? c : undefined;
    })) as PodCondition;
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, message);
    assert.equal(await nodeOf('big'), undefined);

    await addNode({ name: 'large', cpu: '8' });
    assert.equal(await boundTo('big'), 'large');
    assert.equal((await scheduledCondition('big'))?.status, 'True');
  });

  it('says no nodes are available when there are none', async () => {
    await start();
    await addPod({ name: 'lonely' });
    const ev = await until('FailedScheduling', async () => (await eventsFor('lonely')).find((e) => e.reason === 'FailedScheduling'));
    assert.equal(ev.message, 'no nodes available to schedule pods');
    await addNode({ name: 'node-1' });
    assert.equal(await boundTo('lonely'), 'node-1');
  });

  it('places a waiting pod once a pod holding the room is deleted', async () => {
    await addNode({ name: 'one-slot', pods: 1 });
    await start();
    await addPod({ name: 'first' });
    await boundTo('first');
    await addPod({ name: 'second' });
    await until('Too many pods', async () => (await eventsFor('second')).find((e) => String(e.message).includes('1 Too many pods')));
    // A bound pod waits for its kubelet to confirm; gracePeriodSeconds 0 removes it at once.
    await cp.client.delete(pods, 'default', 'first', { gracePeriodSeconds: 0 });
    assert.equal(await boundTo('second'), 'one-slot');
  });

  it('leaves alone pods for another scheduler, gated pods and pods already bound', async () => {
    await addNode({ name: 'node-1' });
    await start();
    await addPod({ name: 'other', spec: { schedulerName: 'my-scheduler' } });
    await addPod({ name: 'gated', spec: { schedulingGates: [{ name: 'wait' }] } });
    await addPod({ name: 'direct', spec: { nodeName: 'elsewhere' } });
    await addPod({ name: 'mine' });
    await boundTo('mine');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await nodeOf('other'), undefined);
    assert.equal(await nodeOf('gated'), undefined);
    assert.equal(await nodeOf('direct'), 'elsewhere');
    assert.deepEqual((await eventsFor('other')).concat(await eventsFor('gated'), await eventsFor('direct')), []);
  });

  it('catches up by listing again when its watch breaks', async () => {
    // A client whose watches the test can break, as a dropped connection would.
    const breakers: Array<() => void> = [];
    const breakable: Client = {
      ...cp.client,
      async watch(type, opts, handlers, signal) {
        const inner = new AbortController();
        const relay = () => inner.abort();
        signal.addEventListener('abort', relay, { once: true });
        let broken = false;
        breakers.push(() => {
          broken = true;
          signal.removeEventListener('abort', relay);
          inner.abort();
          handlers.onClose?.(new Error('connection reset'));
        });
        await cp.client.watch(type, opts, { onEvent: (ev: WatchEvent) => !broken && handlers.onEvent(ev) }, inner.signal);
      },
    };
    await addNode({ name: 'one-slot', pods: 1 });
    await start({ relistDelayMs: 300 }, breakable);
    await addPod({ name: 'first' });
    await boundTo('first');
    for (const b of breakers.splice(0)) b();
    // Changed while the scheduler is blind: only a fresh list shows that the slot is free again
    // and that there is a new node and new pods.
    await cp.client.delete(pods, 'default', 'first', { gracePeriodSeconds: 0 });
    await addNode({ name: 'late', labels: { tier: 'late' } });
    await addPod({ name: 'meanwhile', spec: { nodeSelector: { 'kubernetes.io/hostname': 'one-slot' } } });
    await addPod({ name: 'for-late', spec: { nodeSelector: { tier: 'late' } } });
    assert.equal(await boundTo('meanwhile'), 'one-slot');
    assert.equal(await boundTo('for-late'), 'late');
    assert.equal(errors.length >= 1, true);
  });

  it('retries a pod whose binding failed, and tells the user', async () => {
    let failures = 1;
    const flaky: Client = {
      ...cp.client,
      async createSubresource(type, namespace, name, subresource, body) {
        if (failures-- > 0) throw Object.assign(new Error('etcdserver: request timed out'), { reason: 'InternalError' });
        return cp.client.createSubresource(type, namespace, name, subresource, body);
      },
    };
    await addNode({ name: 'node-1' });
    await start({}, flaky);
    await addPod({ name: 'unlucky' });
    assert.equal(await boundTo('unlucky'), 'node-1');
    const failed = await until('FailedScheduling', async () => (await eventsFor('unlucky')).find((e) => e.reason === 'FailedScheduling'));
    assert.equal(failed.message, 'Binding rejected: etcdserver: request timed out');
    assert.equal(errors.length, 1);
  });

  it('stops cleanly', async () => {
    await addNode({ name: 'node-1' });
    await start();
    stop.abort();
    await running!.stopped;
    await addPod({ name: 'after' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await nodeOf('after'), undefined);
  });
});
