import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { startBareControlPlane, type BareControlPlane } from '../../../test/support/bare-control-plane.js';
import type { KObject } from '../../registry/types.js';
import { runNodeLifecycle } from './controller.js';
import { runTaintEviction } from './taint-eviction.js';
import { eventually } from '../../../test/support/eventually.js';

const nodes = { group: '', version: 'v1', resource: 'nodes' };
const leases = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const events = { group: '', version: 'v1', resource: 'events' };

const grace = 600;
const micro = (d = new Date()) => d.toISOString().replace('Z', '000Z');
const rfc = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const conditionsOf = (n: KObject) => ((n.status as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []);
const taintsOf = (n: KObject) => ((n.spec as { taints?: Taint[] } | undefined)?.taints ?? []);
const taintKeys = (n: KObject) => taintsOf(n).map((t) => `${t.key}:${t.effect}`).sort();

describe('node lifecycle', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  before(async () => {
    cp = await startBareControlPlane();
    await runNodeLifecycle({ client: cp.client, nodeMonitorGracePeriodMs: grace, nodeMonitorPeriodMs: 100 }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const readyNode = async (name: string) => {
    const beat = rfc();
    await cp.client.create(nodes, {
      apiVersion: 'v1', kind: 'Node', metadata: { name },
      status: { conditions: ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({ type, status: type === 'Ready' ? 'True' : 'False', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: beat, lastTransitionTime: beat })) },
    });
    await cp.client.create(leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() } });
    return beat;
  };
  const renew = async (name: string) => {
    const l = await cp.client.get(leases, 'kube-node-lease', name);
    await cp.client.update(leases, { ...l, spec: { ...(l.spec as object), renewTime: micro() } });
  };
  const postReady = async (name: string, status: 'True' | 'False') => {
    const n = await cp.client.get(nodes, undefined, name);
    const beat = rfc();
    await cp.client.update(nodes, { ...n, status: { ...(n.status as object), conditions: conditionsOf(n).map((c) => (c.type === 'Ready' ? { ...c, status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: beat, lastTransitionTime: beat } : { ...c, status: 'False', lastHeartbeatTime: beat })) } }, { subresource: 'status' });
  };

  it('a node whose lease keeps being renewed stays Ready, untainted', async () => {
    await readyNode('alive');
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await renew('alive');
    }
    const n = await cp.client.get(nodes, undefined, 'alive');
    assert.equal(conditionsOf(n).find((c) => c.type === 'Ready')!.status, 'True');
    assert.deepEqual(taintsOf(n), []);
  });

  it('a silent node turns Unknown and unreachable, its pods not ready; a renewed heartbeat clears the taints', async () => {
    const beat = await readyNode('quiet');
    await cp.client.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-quiet', namespace: 'default' }, spec: { nodeName: 'quiet', containers: [{ name: 'c', image: 'nginx' }] } });
    const p = await cp.client.get(pods, 'default', 'on-quiet');
    await cp.client.update(pods, { ...p, status: { ...(p.status as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    const started = Date.now();

    const n = await eventually(async () => {
      const got = await cp.client.get(nodes, undefined, 'quiet');
      return taintsOf(got).length === 2 ? got : undefined;
    }, 3000);
    assert.ok(Date.now() - started >= grace - 50, 'not before the grace period');
    for (const c of conditionsOf(n)) {
      assert.equal(c.status, 'Unknown', c.type);
      assert.equal(c.reason, 'NodeStatusUnknown');
      assert.equal(c.message, 'Kubelet stopped posting node status.');
      assert.equal(c.lastHeartbeatTime, beat);
    }
    assert.deepEqual(taintKeys(n), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    assert.ok(taintsOf(n).every((t) => t.timeAdded));
    await eventually(async () => {
      const pod = await cp.client.get(pods, 'default', 'on-quiet');
      return ((pod.status as { conditions: Array<{ type: string; status: string }> }).conditions.find((c) => c.type === 'Ready')?.status === 'False');
    });
    const evs = await eventually(async () => {
      const all = (await cp.client.list(events, { namespace: 'default' })).items;
      const about = (kind: string, name: string) => all.some((e) => e.reason === 'NodeNotReady' && (e.involvedObject as { kind: string; name: string }).kind === kind && (e.involvedObject as { name: string }).name === name);
      return about('Pod', 'on-quiet') && about('Node', 'quiet') ? all : undefined;
    });
    const nodeEvent = evs.find((e) => e.reason === 'NodeNotReady' && (e.involvedObject as { name: string }).name === 'quiet')!;
    assert.equal(nodeEvent.message, 'Node quiet status is now: NodeNotReady');
    assert.equal((nodeEvent.source as { component: string }).component, 'node-controller');

    // The kubelet comes back: it renews its lease and posts Ready.
    await renew('quiet');
    await postReady('quiet', 'True');
    await eventually(async () => taintsOf(await cp.client.get(nodes, undefined, 'quiet')).length === 0);
  });

  it('a node whose kubelet reports NotReady is tainted not-ready', async () => {
    await readyNode('sick');
    await postReady('sick', 'False');
    const n = await eventually(async () => {
      const got = await cp.client.get(nodes, undefined, 'sick');
      return taintsOf(got).length === 2 ? got : undefined;
    });
    assert.deepEqual(taintKeys(n), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
    await postReady('sick', 'True');
    await eventually(async () => taintsOf(await cp.client.get(nodes, undefined, 'sick')).length === 0);
  });

  it('keeps the unschedulable taint in step with spec.unschedulable, leaving other taints alone', async () => {
    await readyNode('cordoned');
    await cp.client.patch(nodes, undefined, 'cordoned', { type: 'merge', body: { spec: { unschedulable: true, taints: [{ key: 'example.com/own', effect: 'NoSchedule' }] } } });
    await eventually(async () => taintKeys(await cp.client.get(nodes, undefined, 'cordoned')).includes('node.kubernetes.io/unschedulable:NoSchedule'));
    await cp.client.patch(nodes, undefined, 'cordoned', { type: 'merge', body: { spec: { unschedulable: null } } });
    await eventually(async () => taintKeys(await cp.client.get(nodes, undefined, 'cordoned')).join() === 'example.com/own:NoSchedule');
  });

  it('a node that never posted status turns Unknown with NodeStatusNeverUpdated', async () => {
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'mute' } });
    const n = await eventually(async () => {
      const got = await cp.client.get(nodes, undefined, 'mute');
      return conditionsOf(got).length === 4 ? got : undefined;
    }, 3000);
    const ready = conditionsOf(n).find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'NodeStatusNeverUpdated');
    assert.equal(ready.message, 'Kubelet never posted node status.');
  });
});

describe('taint eviction', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  before(async () => {
    cp = await startBareControlPlane();
    await runTaintEviction({ client: cp.client }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const pod = (name: string, node: string, tolerations?: unknown[]) =>
    cp.client.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }], ...(tolerations ? { tolerations } : {}) } });
  /** Marked for deletion, or gone already. */
  const deleting = (name: string) => cp.client.get(pods, 'default', name).then((p) => !!p.metadata.deletionTimestamp, () => true);
  const taint = (node: string, taints: Taint[]) => cp.client.patch(nodes, undefined, node, { type: 'merge', body: { spec: { taints } } });

  it('deletes at once what does not tolerate, after tolerationSeconds what does, never what tolerates forever', async () => {
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bad' } });
    const toleration = (seconds?: number) => [{ key: 'example.com/down', operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) }];
    await pod('intolerant', 'bad');
    await pod('patient', 'bad', toleration(2));
    await pod('forever', 'bad', toleration());
    const tainted = Date.now();
    await taint('bad', [{ key: 'example.com/down', effect: 'NoExecute', timeAdded: rfc() }]);
    await eventually(() => deleting('intolerant'), 1000);
    assert.equal(await deleting('patient'), false);
    await eventually(() => deleting('patient'), 4000);
    const waited = Date.now() - tainted;
    assert.ok(waited >= 1000 && waited < 3500, `evicted after ${waited} ms`);
    const marked = await cp.client.get(pods, 'default', 'patient');
    assert.deepEqual(
      ((marked.status as { conditions: Array<Record<string, string>> }).conditions.find((c) => c.type === 'DisruptionTarget'))?.reason,
      'DeletionByTaintManager',
    );
    assert.equal(await deleting('forever'), false);
    const ev = (await cp.client.list(events, { namespace: 'default' })).items.find((e) => e.reason === 'TaintManagerEviction' && (e.involvedObject as { name: string }).name === 'patient');
    assert.equal(ev?.message, 'Marking for deletion Pod default/patient');
    assert.equal((ev?.source as { component: string }).component, 'taint-eviction-controller');
  });

  it('a taint removed in time cancels the eviction', async () => {
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'flaky' } });
    await pod('lucky', 'flaky', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }]);
    await taint('flaky', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: rfc() }]);
    await new Promise((r) => setTimeout(r, 300));
    await cp.client.patch(nodes, undefined, 'flaky', { type: 'merge', body: { spec: { taints: null } } });
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(await deleting('lucky'), false);
    await eventually(async () =>
      (await cp.client.list(events, { namespace: 'default' })).items.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Cancelling deletion of Pod default/lucky'),
    );
  });
});
