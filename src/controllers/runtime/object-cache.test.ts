import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { eventually } from '../../../test/support/eventually.js';
import type { KObject } from '../../registry/types.js';
import { startObjectCache } from './object-cache.js';

const configMaps = { group: '', version: 'v1', resource: 'configmaps' };
const owned = (name: string, namespace: string, uid?: string): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Owner', name: 'o', uid, controller: true }] } : {}) },
});

describe('the object cache by controller', () => {
  let cp: TestControlPlane;
  const stop = new AbortController();
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  it('finds what a controller owns and the orphans of a namespace, following adoption, release and deletion', async () => {
    await cp.client.create(configMaps, owned('a', 'default', 'u1'));
    await cp.client.create(configMaps, owned('b', 'default'));
    await cp.client.create(configMaps, owned('c', 'kube-system'));
    const cache = await startObjectCache({ client: cp.client, type: configMaps }, stop.signal);
    const names = (objs: KObject[]) => objs.map((o) => o.metadata.name).filter((n) => ['a', 'b', 'c'].includes(n!)).sort();
    assert.deepEqual(names(cache.controlledBy('u1')), ['a']);
    assert.deepEqual(names(cache.orphans('default')), ['b']);
    assert.deepEqual(names(cache.orphans('kube-system')), ['c']);

    const b = await cp.client.get(configMaps, 'default', 'b');
    await cp.client.update(configMaps, { ...b, metadata: { ...b.metadata, ownerReferences: owned('b', 'default', 'u1').metadata.ownerReferences } });
    await eventually(() => names(cache.controlledBy('u1')).length === 2, 3000, 'b adopted');
    assert.deepEqual(names(cache.orphans('default')), []);

    const a = await cp.client.get(configMaps, 'default', 'a');
    await cp.client.update(configMaps, { ...a, metadata: { ...a.metadata, ownerReferences: [] } });
    await cp.client.delete(configMaps, 'default', 'b');
    await eventually(() => names(cache.controlledBy('u1')).length === 0, 3000, 'a released, b deleted');
    assert.deepEqual(names(cache.orphans('default')), ['a']);
  });
});
