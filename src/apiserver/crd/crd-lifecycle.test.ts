// CRDs against a real control plane (storage, admission, every controller): served at once, names
// judged against the group's other kinds, objects collected by the garbage collector and by
// namespace deletion, and a CRD deletion that waits for its objects' finalizers and leaves no key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { eventually } from '../../../test/support/eventually.js';
import { hasReason, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';

const crds: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };
const namespaces: ResourceType = { group: '', version: 'v1', resource: 'namespaces' };
const configMaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };
const widgets: ResourceType = { group: 'life.example.com', version: 'v1', resource: 'widgets' };

function crd(plural: string, kind: string, extra: Partial<{ shortNames: string[]; singular: string }> = {}): KObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.life.example.com` },
    spec: {
      group: 'life.example.com',
      scope: 'Namespaced',
      names: { plural, kind, ...extra },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
    },
  };
}

const widget = (name: string, namespace: string, meta: Partial<KObject['metadata']> = {}): KObject => ({
  apiVersion: 'life.example.com/v1', kind: 'Widget', metadata: { name, namespace, ...meta }, spec: { size: 1 },
});

const gone = async (type: ResourceType, namespace: string | undefined, name: string) => {
  try {
    await cp.client.get(type, namespace, name);
    return false;
  } catch (err) {
    return hasReason(err, 'NotFound');
  }
};

let cp: TestControlPlane;

describe('CustomResourceDefinitions in the control plane', { timeout: 60_000 }, () => {
  before(async () => {
    cp = await startTestControlPlane({ controllers: 'all' });
    await cp.client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'life' } });
  });
  after(() => cp.close());

  it('serves a new CRD within a second and marks it Established', async () => {
    const start = Date.now();
    await cp.client.create(crds, crd('widgets', 'Widget', { shortNames: ['wg'] }));
    await eventually(async () => (await cp.client.list(widgets, { namespace: 'life' }).then(() => true, () => false)), 1000);
    assert.ok(Date.now() - start < 1000);
    await eventually(async () => {
      const c = await cp.client.get(crds, undefined, 'widgets.life.example.com');
      const conditions = ((c.status as { conditions?: Array<{ type: string; status: string }> }).conditions ?? []).map((x) => `${x.type}=${x.status}`);
      return conditions.includes('Established=True') && conditions.includes('NamesAccepted=True');
    });
  });

  it('refuses names another kind of the group already uses (NamesAccepted False) and does not serve them', async () => {
    // Its singular would default to `widget`, taken as well: named apart, the kind is what clashes.
    await cp.client.create(crds, crd('gizmos', 'Widget', { singular: 'gizmo' }));
    await eventually(async () => {
      const c = await cp.client.get(crds, undefined, 'gizmos.life.example.com');
      const names = (c.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> }).conditions?.find((x) => x.type === 'NamesAccepted');
      return names?.status === 'False' && names.reason === 'KindConflict' && names.message === '"Widget" is already in use';
    });
    assert.equal(cp.context.registry.findByResource('life.example.com', 'v1', 'gizmos'), undefined);
    await cp.client.create(crds, crd('sprockets', 'Sprocket', { shortNames: ['wg'] }));
    await eventually(async () => {
      const c = await cp.client.get(crds, undefined, 'sprockets.life.example.com');
      return (c.status as { conditions?: Array<{ type: string; reason: string }> }).conditions?.some((x) => x.type === 'NamesAccepted' && x.reason === 'ShortNamesConflict') ?? false;
    });
    await cp.client.delete(crds, undefined, 'gizmos.life.example.com');
    await cp.client.delete(crds, undefined, 'sprockets.life.example.com');
    await eventually(async () => (await gone(crds, undefined, 'gizmos.life.example.com')) && (await gone(crds, undefined, 'sprockets.life.example.com')));
  });

  it('the garbage collector deletes a custom object whose owner is gone', async () => {
    const owner = await cp.client.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: 'life' } });
    await cp.client.create(widgets, widget('owned', 'life', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] }));
    await cp.client.delete(configMaps, 'life', 'owner');
    await eventually(() => gone(widgets, 'life', 'owned'));
  });

  it('namespace deletion removes custom objects', async () => {
    await cp.client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'brief' } });
    await cp.client.create(widgets, widget('w', 'brief'));
    await cp.client.delete(namespaces, undefined, 'brief');
    await eventually(() => gone(namespaces, undefined, 'brief'));
    assert.equal((await cp.context.store.backend.list({ prefix: '/registry/life.example.com/widgets/brief/' })).items.length, 0);
  });

  it('deleting the CRD waits for its objects (their finalizers too), refuses new ones meanwhile, and leaves no key', async () => {
    await cp.client.create(widgets, widget('held', 'life', { finalizers: ['example.com/hold'] }));
    await cp.client.create(widgets, widget('free', 'life'));
    await cp.client.delete(crds, undefined, 'widgets.life.example.com');
    await eventually(() => gone(widgets, 'life', 'free'));
    const held = await cp.client.get(widgets, 'life', 'held');
    assert.ok(held.metadata.deletionTimestamp, 'the held object is being deleted');
    const terminating = await cp.client.get(crds, undefined, 'widgets.life.example.com');
    assert.deepEqual(terminating.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
    assert.ok((terminating.status as { conditions: Array<{ type: string; status: string }> }).conditions.some((c) => c.type === 'Terminating' && c.status === 'True'));
    await assert.rejects(cp.client.create(widgets, widget('late', 'life')), (err: Error) => /create not allowed while custom resource definition is terminating/.test(err.message));
    await cp.client.update(widgets, { ...held, metadata: { ...held.metadata, finalizers: [] } });
    await eventually(() => gone(crds, undefined, 'widgets.life.example.com'));
    assert.equal((await cp.context.store.backend.list({ prefix: '/registry/life.example.com/' })).items.length, 0);
    await eventually(async () => cp.context.registry.findByResource('life.example.com', 'v1', 'widgets') === undefined);
    await assert.rejects(cp.client.list(widgets, { namespace: 'life' }), (err: Error) => hasReason(err, 'NotFound'));
  });
});
