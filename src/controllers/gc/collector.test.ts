import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../../test/support/bare-control-plane.js';
import { hasReason } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { registry } from '../../registry/index.js';
import { runGarbageCollector } from './collector.js';
import { eventually } from '../../../test/support/eventually.js';

const cms = { group: '', version: 'v1', resource: 'configmaps' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const rss = { group: 'apps', version: 'v1', resource: 'replicasets' };

describe('garbage collector', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  const errors: unknown[] = [];
  before(async () => {
    cp = await startBareControlPlane();
    const kinds = registry.descriptors.filter((d) => !d.ephemeral).map((d) => ({ group: d.group, version: d.version, resource: d.plural, kind: d.kind, namespaced: d.namespaced }));
    await runGarbageCollector({ client: cp.client, kinds, recheckMs: 200, onError: (_k, err) => errors.push(err) }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const cm = async (name: string, owners: KObject[] = [], extra: { finalizers?: string[]; block?: boolean } = {}) =>
    cp.client.create(cms, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: 'default',
        ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
        ...(owners.length
          ? { ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name!, uid: o.metadata.uid!, ...(extra.block ? { blockOwnerDeletion: true } : {}) })) }
          : {}),
      },
    });
  const exists = async (name: string, type = cms) => {
    try {
      await cp.client.get(type, 'default', name);
      return true;
    } catch (err) {
      if (hasReason(err, 'NotFound')) return false;
      throw err;
    }
  };
  const gone = (name: string, type = cms) => async () => !(await exists(name, type));

  it('background: deleting the owner deletes its dependents, and theirs', async () => {
    const a = await cm('bg-a');
    const b = await cm('bg-b', [a]);
    await cm('bg-c', [b]);
    await cp.client.delete(cms, 'default', 'bg-a', { propagationPolicy: 'Background' });
    await eventually(gone('bg-b'));
    await eventually(gone('bg-c'));
  });

  it('a dependent with another live owner only loses the reference to the one that went', async () => {
    const x = await cm('two-x');
    const y = await cm('two-y');
    await cm('two-dep', [x, y]);
    await cp.client.delete(cms, 'default', 'two-x');
    await eventually(async () => (await cp.client.get(cms, 'default', 'two-dep')).metadata.ownerReferences?.length === 1);
    const dep = await cp.client.get(cms, 'default', 'two-dep');
    assert.equal(dep.metadata.ownerReferences![0]!.uid, y.metadata.uid);
  });

  it('an object naming an owner that never existed is collected', async () => {
    await cp.client.create(cms, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'stray', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000000' }] },
    });
    await eventually(gone('stray'));
  });

  it('an owner created after its dependent keeps it', async () => {
    const owner = await cm('late-owner');
    await cm('late-dep', [owner]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await exists('late-dep'), true);
  });

  it('orphan: the dependents stay, without the reference, and the owner goes', async () => {
    const a = await cm('or-a');
    await cm('or-b', [a]);
    await cm('or-c', [a]);
    await cp.client.delete(cms, 'default', 'or-a', { propagationPolicy: 'Orphan' });
    await eventually(gone('or-a'));
    for (const name of ['or-b', 'or-c']) {
      const dep = await cp.client.get(cms, 'default', name);
      assert.equal(dep.metadata.ownerReferences, undefined);
    }
  });

  it('foreground: the owner stays until its blocking dependents are gone, down the chain', async () => {
    const a = await cm('fg-a');
    const b = await cm('fg-b', [a], { block: true });
    await cm('fg-c', [b], { block: true, finalizers: ['example.com/hold'] });
    await cp.client.delete(cms, 'default', 'fg-a', { propagationPolicy: 'Foreground' });
    // fg-c is held by its finalizer, so b and a must wait, marked for deletion.
    await eventually(async () => !!(await cp.client.get(cms, 'default', 'fg-c')).metadata.deletionTimestamp);
    await new Promise((r) => setTimeout(r, 300));
    const waitingB = await cp.client.get(cms, 'default', 'fg-b');
    assert.ok(waitingB.metadata.deletionTimestamp);
    assert.deepEqual(waitingB.metadata.finalizers, ['foregroundDeletion']);
    assert.ok((await cp.client.get(cms, 'default', 'fg-a')).metadata.deletionTimestamp);
    await cp.client.patch(cms, 'default', 'fg-c', { type: 'merge', body: { metadata: { finalizers: null } } });
    await eventually(gone('fg-c'));
    await eventually(gone('fg-b'));
    await eventually(gone('fg-a'));
  });

  it('foreground with no blocking dependents lets the owner go at once, the rest follow', async () => {
    const a = await cm('fn-a');
    await cm('fn-b', [a]);
    await cp.client.delete(cms, 'default', 'fn-a', { propagationPolicy: 'Foreground' });
    await eventually(gone('fn-a'));
    await eventually(gone('fn-b'));
  });

  it('deleting a ReplicaSet deletes the pods it owns', async () => {
    const rs = await cp.client.create(rss, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    for (const name of ['web-1', 'web-2']) {
      await cp.client.create(pods, {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }] },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
    }
    await cp.client.delete(rss, 'default', 'web', { propagationPolicy: 'Foreground' });
    await eventually(gone('web-1', pods));
    await eventually(gone('web-2', pods));
    await eventually(gone('web', rss));
    assert.deepEqual(errors, []);
  });
});
