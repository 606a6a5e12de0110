import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { patchMetaFor } from '../../registry/patch-meta.js';
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { ApiError } from '../errors.js';
import { updateObject } from '../resources/operations.js';
import { describePath, fieldSetOf, fromFieldsV1, pathOf, toFieldsV1 } from './field-set.js';
import { serverSideApply } from './server-side-apply.js';

const cm = (data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', ...(labels ? { labels } : {}) }, data,
});
const deployment = (containers: Array<{ name: string; image: string }>, replicas?: number) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
  },
});

describe('field sets', () => {
  it('name leaves, keyed list elements with their membership, and set members; FieldsV1 round-trips', () => {
    const set = fieldSetOf({ ...deployment([{ name: 'c', image: 'nginx' }], 2), metadata: { name: 'web', finalizers: ['a/b'] } } as KObject, patchMetaFor('apps', 'Deployment'));
    const paths = [...set].map((k) => describePath(pathOf(k))).sort();
    assert.deepEqual(paths, [
      '.metadata.finalizers[="a/b"]',
      '.spec.replicas',
      '.spec.selector.matchLabels.app',
      '.spec.template.metadata.labels.app',
      '.spec.template.spec.containers[name="c"]',
      '.spec.template.spec.containers[name="c"].image',
      '.spec.template.spec.containers[name="c"].name',
    ]);
    const tree = toFieldsV1(set) as any;
    assert.deepEqual(tree['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"c"}'], { '.': {}, 'f:image': {}, 'f:name': {} });
    assert.deepEqual(fromFieldsV1(tree), set);
  });
});

describe('server-side apply', () => {
  let cp: TestControlPlane;
  let cms: ResourceDescriptor;
  let deploys: ResourceDescriptor;
  before(async () => {
    cp = await startTestControlPlane();
    cms = cp.context.registry.findByResource('', 'v1', 'configmaps')!;
    deploys = cp.context.registry.findByResource('apps', 'v1', 'deployments')!;
  });
  after(() => cp.close());
  const apply = (d: ResourceDescriptor, name: string, body: unknown, fieldManager = 'kubectl', force = false) =>
    serverSideApply(cp.context, d, { namespace: 'default', name }, structuredClone(body), { fieldManager, force });

  it('creates, records an Apply entry, and removes what the manager stops applying', async () => {
    const first = await apply(cms, 'cfg', cm({ a: '1', b: '2' }, { team: 'x' }));
    assert.equal(first.created, true);
    const [entry] = first.object.metadata.managedFields as any[];
    assert.equal(entry.manager, 'kubectl');
    assert.equal(entry.operation, 'Apply');
    assert.equal(entry.apiVersion, 'v1');
    assert.deepEqual(entry.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } });

    const again = await apply(cms, 'cfg', cm({ a: '1', b: '2' }, { team: 'x' }));
    assert.equal(again.created, false);
    assert.equal((again.object.metadata.managedFields as any[])[0].time, entry.time, 'an unchanged apply keeps the time');

    const second = await apply(cms, 'cfg', cm({ a: '3' }));
    assert.deepEqual(second.object.data, { a: '3' });
    assert.equal(second.object.metadata.labels, undefined, 'a label map nobody applies any more goes');
  });

  it('a field another manager applied with another value is a conflict; force takes it over', async () => {
    await assert.rejects(apply(cms, 'cfg', cm({ a: '9' }), 'helm'), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 409);
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a');
      assert.deepEqual(err.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl" using v1', field: '.data.a' }]);
      return true;
    });
    // The same value is shared ownership, not a conflict.
    const shared = await apply(cms, 'cfg', cm({ a: '3', c: '4' }), 'helm');
    assert.deepEqual(shared.object.data, { a: '3', c: '4' });
    const forced = await apply(cms, 'cfg', cm({ a: '9' }), 'ops', true);
    assert.equal((forced.object.data as Record<string, string>).a, '9');
    const managers = Object.fromEntries((forced.object.metadata.managedFields as any[]).map((e) => [e.manager, e.fieldsV1]));
    assert.deepEqual(managers.kubectl, undefined, 'kubectl lost its only field');
    assert.deepEqual(managers.helm, { 'f:data': { 'f:c': {} } });
    assert.deepEqual(managers.ops, { 'f:data': { 'f:a': {} } });
    // kubectl applying without `a` removes nothing helm or ops still own.
    const after = await apply(cms, 'cfg', cm({ d: '5' }));
    assert.deepEqual(after.object.data, { a: '9', c: '4', d: '5' });
  });

  it('lists merge by key: two managers own a container each; dropping one keeps the other', async () => {
    await apply(deploys, 'web', deployment([{ name: 'app', image: 'nginx:1' }], 1), 'helm');
    const both = await apply(deploys, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy' }] } } } }, 'mesh');
    assert.deepEqual((both.object.spec as any).template.spec.containers.map((c: any) => c.name), ['app', 'sidecar']);
    const scaled = await apply(deploys, 'web', deployment([{ name: 'app', image: 'nginx:2' }], 3), 'helm');
    assert.equal((scaled.object.spec as any).replicas, 3);
    assert.deepEqual((scaled.object.spec as any).template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ['app=nginx:2', 'sidecar=envoy']);
    const dropped = await apply(deploys, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, 'mesh');
    assert.deepEqual((dropped.object.spec as any).template.spec.containers.map((c: any) => c.name), ['app']);
    assert.equal(dropped.object.metadata.generation, 4);
  });

  it('keeps its ownership record across ordinary updates, which cannot rewrite it', async () => {
    const current = (await apply(cms, 'cfg', cm({ d: '5' }))).object;
    const put = await updateObject(cp.context, cms, 'default', 'cfg', { ...current, metadata: { ...current.metadata, managedFields: [] }, data: { ...(current.data as Record<string, string>), e: '6' } });
    assert.deepEqual(put.metadata.managedFields, current.metadata.managedFields);
  });

  it('refuses what upstream refuses', async () => {
    await assert.rejects(apply(cms, 'cfg', cm({ a: '1' }), ''), /requires fieldManager/);
    await assert.rejects(apply(cms, 'cfg', { ...cm({}), kind: 'Secret' }), /is a Secret \(v1\), not a ConfigMap/);
    await assert.rejects(apply(cms, 'cfg', { ...cm({}), metadata: { name: 'other' } }), /does not match the name on the URL/);
    await assert.rejects(apply(cms, 'cfg', { data: {} }), /apiVersion and kind must be set/);
  });
});
