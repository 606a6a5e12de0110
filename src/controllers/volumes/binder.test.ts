// The volume controllers against a real (in-process) API: static volumes bound to claims, claims
// that cannot bind, reclaim policies, pvc-protection, and the local-path provisioner.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { eventually } from '../../../test/support/eventually.js';
import { getIfExists, hasReason } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runVolumeControllers } from './index.js';

const ns = { group: '', version: 'v1', resource: 'namespaces' };
const pvcs = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const pvs = { group: '', version: 'v1', resource: 'persistentvolumes' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const nodes = { group: '', version: 'v1', resource: 'nodes' };
const classes = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };
const events = { group: '', version: 'v1', resource: 'events' };

const claim = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'vol', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volume = (name: string, policy: string, size = '2Gi'): KObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', persistentVolumeReclaimPolicy: policy, hostPath: { path: `/tmp/${name}` } },
});

describe('volume controllers', () => {
  let cp: TestControlPlane;
  const stop = new AbortController();
  let stopped: Promise<void>;
  // Reconcile errors other than a lost race mean a write the API refused: none is expected.
  const failures: string[] = [];
  before(async () => {
    cp = await startTestControlPlane();
    stopped = (await runVolumeControllers({ client: cp.client, onError: (c, k, e) => !hasReason(e, 'Conflict') && failures.push(`${c} ${k}: ${(e as Error).message}`) }, stop.signal)).stopped;
    await cp.client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'vol' } });
  });
  after(async () => {
    assert.deepEqual(failures, []);
    stop.abort();
    await stopped;
    await cp.close();
  });

  const phaseOf = async (type: typeof pvcs, namespace: string | undefined, name: string) => ((await getIfExists(cp.client, type, namespace, name))?.status as { phase?: string } | undefined)?.phase;
  const eventsOf = async (name: string) => (await cp.client.list(events, { namespace: 'vol' })).items.filter((e) => (e.involvedObject as { name: string }).name === name).map((e) => `${e.reason}: ${e.message}`);

  it('creates the default local-path class', async () => {
    const sc = await cp.client.get(classes, undefined, 'local-path');
    assert.equal(sc.provisioner, 'rancher.io/local-path');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  });

  it('binds a claim to the smallest fitting static volume; Retain keeps it Released after the claim goes', async () => {
    await cp.client.create(pvs, volume('big', 'Retain', '10Gi'));
    await cp.client.create(pvs, volume('small', 'Retain', '1Gi'));
    await cp.client.create(pvcs, claim('a', { storageClassName: 'manual' }));
    await eventually(async () => (await phaseOf(pvcs, 'vol', 'a')) === 'Bound', 5000, 'claim a Bound');
    const a = await cp.client.get(pvcs, 'vol', 'a');
    assert.equal((a.spec as { volumeName: string }).volumeName, 'small');
    assert.deepEqual((a.status as { capacity: unknown }).capacity, { storage: '1Gi' });
    assert.ok(a.metadata.finalizers?.includes('kubernetes.io/pvc-protection'));
    assert.equal(await phaseOf(pvs, undefined, 'small'), 'Bound');
    await cp.client.delete(pvcs, 'vol', 'a');
    await eventually(async () => (await phaseOf(pvs, undefined, 'small')) === 'Released', 5000, 'small Released');
    assert.equal(await phaseOf(pvs, undefined, 'big'), 'Available');
  });

  it('Delete removes the volume once its claim is gone; a claim in use waits for its pod', async () => {
    await cp.client.create(pvs, volume('scratch', 'Delete'));
    await cp.client.create(pvcs, claim('b', { storageClassName: 'manual' }));
    await eventually(async () => (await phaseOf(pvcs, 'vol', 'b')) === 'Bound', 5000, 'claim b Bound');
    await cp.client.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'vol' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'b' } }] } });
    await cp.client.delete(pvcs, 'vol', 'b');
    await new Promise((r) => setTimeout(r, 300));
    const held = await cp.client.get(pvcs, 'vol', 'b');
    assert.ok(held.metadata.deletionTimestamp, 'the claim is terminating');
    await cp.client.delete(pods, 'vol', 'user', { gracePeriodSeconds: 0 });
    await eventually(async () => !(await getIfExists(cp.client, pods, 'vol', 'user')), 5000, 'pod gone');
    await eventually(async () => !(await getIfExists(cp.client, pvcs, 'vol', 'b')), 5000, 'claim b gone');
    await eventually(async () => !(await getIfExists(cp.client, pvs, undefined, 'scratch')), 5000, 'volume scratch deleted');
  });

  it('a claim that cannot bind stays Pending and says why', async () => {
    await cp.client.create(pvcs, claim('none', { storageClassName: '' }));
    await cp.client.create(pvcs, claim('ghost', { storageClassName: 'fast' }));
    await cp.client.create(pvcs, claim('later'));
    await eventually(async () => (await eventsOf('none')).includes('FailedBinding: no persistent volumes available for this claim and no storage class is set'), 5000, 'FailedBinding');
    await eventually(async () => (await eventsOf('ghost')).includes('ProvisioningFailed: storageclass.storage.k8s.io "fast" not found'), 5000, 'ProvisioningFailed');
    // No class given: the default class is filled in, and the claim waits for its first consumer.
    await eventually(async () => (await eventsOf('later')).includes('WaitForFirstConsumer: waiting for first consumer to be created before binding'), 5000, 'WaitForFirstConsumer');
    assert.equal(((await cp.client.get(pvcs, 'vol', 'later')).spec as { storageClassName: string }).storageClassName, 'local-path');
    for (const n of ['none', 'ghost', 'later']) assert.equal(await phaseOf(pvcs, 'vol', n), 'Pending');
  });

  it('local-path provisions on the selected node, under the directory the node announces', async () => {
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' }, annotations: { 'k3ts.io/local-storage-dir': '/data/n1/storage' } } });
    const created = await cp.client.create(pvcs, claim('db', {}, { 'volume.kubernetes.io/selected-node': 'n1' }));
    await eventually(async () => (await phaseOf(pvcs, 'vol', 'db')) === 'Bound', 5000, 'db Bound');
    const pv = await cp.client.get(pvs, undefined, `pvc-${created.metadata.uid}`);
    const spec = pv.spec as { hostPath: { path: string }; nodeAffinity: { required: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> } }; persistentVolumeReclaimPolicy: string };
    assert.equal(spec.hostPath.path, `/data/n1/storage/pvc-${created.metadata.uid}_vol_db`);
    assert.deepEqual(spec.nodeAffinity.required.nodeSelectorTerms[0]!.matchExpressions[0]!.values, ['n1']);
    assert.equal(spec.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
  });
});
