import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { hasReason } from '../../client/types.js';
import { deleteObject, finalizersForPolicy } from './operations.js';

const cms = { group: '', version: 'v1', resource: 'configmaps' };
const keep = 'example.com/keep';

describe('finalizersForPolicy', () => {
  it('Orphan and Foreground swap one GC finalizer for the other, Background drops both, none keeps them', () => {
    assert.deepEqual(finalizersForPolicy([keep], 'Orphan'), [keep, 'orphan']);
    assert.deepEqual(finalizersForPolicy([keep, 'orphan'], 'Foreground'), [keep, 'foregroundDeletion']);
    assert.deepEqual(finalizersForPolicy(['foregroundDeletion', keep], 'Orphan'), [keep, 'orphan']);
    assert.deepEqual(finalizersForPolicy(['orphan', keep, 'foregroundDeletion'], 'Background'), [keep]);
    assert.deepEqual(finalizersForPolicy(['orphan'], undefined), ['orphan']);
  });
});

// What a DELETE answers and stores. A garbage collector may run in the control plane and remove
// the GC finalizers soon after, so each check reads what the delete itself returned.
describe('delete with a propagation policy', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  const d = () => cp.context.registry.findByResource('', 'v1', 'configmaps')!;
  const make = (name: string, finalizers?: string[]) =>
    cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(finalizers ? { finalizers } : {}) } });
  const del = (name: string, propagationPolicy?: 'Orphan' | 'Foreground' | 'Background') => deleteObject(cp.context, d(), 'default', name, { propagationPolicy });
  const gone = async (name: string) => {
    try {
      await cp.client.get(cms, 'default', name);
      return false;
    } catch (err) {
      return hasReason(err, 'NotFound');
    }
  };

  it('Orphan keeps the object, marked, with the orphan finalizer', async () => {
    await make('o');
    const r = await del('o', 'Orphan');
    assert.equal(r.gone, false);
    assert.ok(r.object.metadata.deletionTimestamp);
    assert.equal(r.object.metadata.deletionGracePeriodSeconds, 0);
    assert.deepEqual(r.object.metadata.finalizers, ['orphan']);
  });

  it('Foreground keeps the object with foregroundDeletion, replacing an earlier orphan', async () => {
    await make('f', [keep]);
    await del('f', 'Orphan');
    const r = await del('f', 'Foreground');
    assert.equal(r.gone, false);
    assert.deepEqual(r.object.metadata.finalizers, [keep, 'foregroundDeletion']);
  });

  it('Background on a marked object drops the GC finalizers and keeps the others', async () => {
    await make('b', [keep]);
    await del('b', 'Foreground');
    const r = await del('b', 'Background');
    assert.deepEqual(r.object.metadata.finalizers, [keep]);
    assert.equal(await gone('b'), false);
  });

  it('removing the last finalizer of a marked object deletes it', async () => {
    await make('last', [keep]);
    await del('last');
    const got = await cp.client.get(cms, 'default', 'last');
    assert.ok(got.metadata.deletionTimestamp);
    await cp.client.update(cms, { ...got, metadata: { ...got.metadata, finalizers: [] } });
    assert.equal(await gone('last'), true);
  });
});
