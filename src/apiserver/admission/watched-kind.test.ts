import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import type { ResourceDescriptor } from '../../registry/types.js';
import { watchedKind } from './watched-kind.js';
import { expiringWatches, type ExpiringWatches } from '../../../test/support/expiring-watches.js';

describe('a kind held from a watch', () => {
  let cp: TestControlPlane;
  let limitRanges: ResourceDescriptor;
  before(async () => {
    cp = await startTestControlPlane();
    limitRanges = cp.context.registry.findByResource('', 'v1', 'limitranges')!;
  });
  after(() => cp.close());

  const range = (name: string, namespace: string) => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace }, spec: { limits: [{ type: 'Container', default: { cpu: '100m' } }] } });

  it('answers undefined until in sync, then follows creates, updates and deletes as soon as each write is answered', async () => {
    await cp.context.store.create(limitRanges, range('before', 'default'));
    const held = watchedKind(cp.context.store, () => limitRanges);
    assert.equal(held.objects('default'), undefined, 'not in sync on the first call: the caller reads the datastore');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(held.objects('default')?.map((o) => o.metadata.name), ['before']);
    assert.deepEqual(held.objects('other'), []);

    const made = await cp.context.store.create(limitRanges, range('after', 'other'));
    assert.deepEqual(held.objects('other')?.map((o) => o.metadata.name), ['after'], 'seen by the time the create is answered');
    const changed = await cp.context.store.update(limitRanges, { ...made, spec: { limits: [] } });
    assert.deepEqual(held.get('other', 'after')?.spec, { limits: [] });
    await cp.context.store.delete(limitRanges, changed);
    assert.equal(held.get('other', 'after'), undefined);
    assert.deepEqual(held.objects('other'), []);
  });
});

describe('a kind held from a watch that the storage ends', () => {
  let cp: TestControlPlane;
  let watches: ExpiringWatches | undefined;
  let limitRanges: ResourceDescriptor;
  before(async () => {
    cp = await startTestControlPlane({ onBackend: (b) => (watches = expiringWatches(b)) });
    limitRanges = cp.context.registry.findByResource('', 'v1', 'limitranges')!;
  });
  after(async () => {
    watches?.restore();
    await cp.close();
  });

  it('is out of sync once its watch ended, then lists again: a delete made meanwhile is not held', async () => {
    const range = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'ended', namespace: 'held' }, spec: { limits: [] } };
    const made = await cp.context.store.create(limitRanges, range);
    const held = watchedKind(cp.context.store, () => limitRanges);
    held.objects('held');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(held.objects('held')?.map((o) => o.metadata.name), ['ended']);
    assert.equal(await watches!.expire('/limitranges/'), 1);
    await cp.context.store.delete(limitRanges, made);
    assert.equal(held.objects('held'), undefined, 'out of sync: the caller reads the datastore');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(held.objects('held'), [], 'listed again without the deleted LimitRange');
  });
});
