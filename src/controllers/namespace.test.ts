import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { hasReason } from '../client/types.js';
import { eventually } from '../../test/support/eventually.js';

const ns = { group: '', version: 'v1', resource: 'namespaces' };
const cms = { group: '', version: 'v1', resource: 'configmaps' };
const deploys = { group: 'apps', version: 'v1', resource: 'deployments' };

describe('namespace deletion', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  it('removes the contents, then the namespace', async () => {
    await cp.client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' }, data: { x: 'y' } });
    await cp.client.create(deploys, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    await cp.client.delete(ns, undefined, 'shop');
    await eventually(async () => {
      try {
        await cp.client.get(ns, undefined, 'shop');
        return false;
      } catch (err) {
        return hasReason(err, 'NotFound');
      }
    });
    assert.equal((await cp.client.list(cms, { namespace: 'shop' })).items.length, 0);
    assert.equal((await cp.client.list(deploys, { namespace: 'shop' })).items.length, 0);
  });

  it('waits for an object held by a finalizer, and refuses new objects meanwhile', async () => {
    await cp.client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'held' } });
    await cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pinned', namespace: 'held', finalizers: ['example.com/hold'] } });
    await cp.client.delete(ns, undefined, 'held');
    const terminating = await cp.client.get(ns, undefined, 'held');
    assert.equal((terminating.status as { phase?: string }).phase, 'Terminating');
    await assert.rejects(
      cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'held' } }),
      (err: Error) => hasReason(err, 'Forbidden') && /being terminated/.test(err.message),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(await cp.client.get(ns, undefined, 'held'), 'namespace must stay while an object remains');
    await cp.client.patch(cms, 'held', 'pinned', { type: 'merge', body: { metadata: { finalizers: null } } });
    await eventually(async () => {
      try {
        await cp.client.get(ns, undefined, 'held');
        return false;
      } catch (err) {
        return hasReason(err, 'NotFound');
      }
    });
  });
});

describe('namespace finalizers belong to the finalize subresource', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  it('a namespace created or patched without the kubernetes finalizer still waits for its contents', async () => {
    await cp.client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sneaky' }, spec: { finalizers: [] } });
    const created = await cp.client.get(ns, undefined, 'sneaky');
    assert.deepEqual((created.spec as { finalizers?: string[] }).finalizers, ['kubernetes']);
    await cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pinned', namespace: 'sneaky', finalizers: ['example.com/hold'] } });
    await cp.client.delete(ns, undefined, 'sneaky');
    await cp.client.patch(ns, undefined, 'sneaky', { type: 'merge', body: { spec: { finalizers: [] } } });
    const after = await cp.client.get(ns, undefined, 'sneaky');
    assert.deepEqual((after.spec as { finalizers?: string[] }).finalizers, ['kubernetes'], 'a plain patch cannot drop it');
    assert.ok(await cp.client.get(cms, 'sneaky', 'pinned'));
    await cp.client.patch(cms, 'sneaky', 'pinned', { type: 'merge', body: { metadata: { finalizers: null } } });
    await eventually(async () => {
      try {
        await cp.client.get(ns, undefined, 'sneaky');
        return false;
      } catch (err) {
        return hasReason(err, 'NotFound');
      }
    });
  });
});

describe('objects being deleted', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  it('take no new finalizers', async () => {
    await cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'closing', namespace: 'default', finalizers: ['example.com/a'] } });
    await cp.client.delete(cms, 'default', 'closing');
    await assert.rejects(
      cp.client.patch(cms, 'default', 'closing', { type: 'merge', body: { metadata: { finalizers: ['example.com/a', 'example.com/b'] } } }),
      (err: Error) => hasReason(err, 'Invalid') && /no new finalizers can be added if the object is being deleted, found new finalizers \[\]string\{"example.com\/b"\}/.test(err.message),
    );
    await cp.client.patch(cms, 'default', 'closing', { type: 'merge', body: { metadata: { finalizers: [] } } });
    await assert.rejects(cp.client.get(cms, 'default', 'closing'), (err) => hasReason(err, 'NotFound'));
  });
});
