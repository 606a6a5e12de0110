import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { hasReason } from '../../client/types.js';

const cms = { group: '', version: 'v1', resource: 'configmaps' };

// Without a garbage collector running: what the API server itself does with a propagation policy.
describe('delete with a propagation policy', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  const make = (name: string, finalizers?: string[]) =>
    cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(finalizers ? { finalizers } : {}) } });
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
    await cp.client.delete(cms, 'default', 'o', { propagationPolicy: 'Orphan' });
    const got = await cp.client.get(cms, 'default', 'o');
    assert.ok(got.metadata.deletionTimestamp);
    assert.equal(got.metadata.deletionGracePeriodSeconds, 0);
    assert.deepEqual(got.metadata.finalizers, ['orphan']);
  });

  it('Foreground keeps the object with foregroundDeletion, replacing an earlier orphan', async () => {
    await make('f', ['example.com/keep']);
    await cp.client.delete(cms, 'default', 'f', { propagationPolicy: 'Orphan' });
    await cp.client.delete(cms, 'default', 'f', { propagationPolicy: 'Foreground' });
    const got = await cp.client.get(cms, 'default', 'f');
    assert.deepEqual(got.metadata.finalizers, ['example.com/keep', 'foregroundDeletion']);
  });

  it('Background drops both, and the object goes when nothing else holds it', async () => {
    await make('b');
    await cp.client.delete(cms, 'default', 'b', { propagationPolicy: 'Foreground' });
    assert.equal(await gone('b'), false);
    await cp.client.delete(cms, 'default', 'b', { propagationPolicy: 'Background' });
    assert.equal(await gone('b'), true);
  });

  it('no policy keeps what an earlier delete asked for', async () => {
    await make('n');
    await cp.client.delete(cms, 'default', 'n', { propagationPolicy: 'Orphan' });
    await cp.client.delete(cms, 'default', 'n');
    assert.deepEqual((await cp.client.get(cms, 'default', 'n')).metadata.finalizers, ['orphan']);
  });

  it('removing the last finalizer of a marked object deletes it', async () => {
    await make('last');
    await cp.client.delete(cms, 'default', 'last', { propagationPolicy: 'Orphan' });
    const got = await cp.client.get(cms, 'default', 'last');
    await cp.client.update(cms, { ...got, metadata: { ...got.metadata, finalizers: [] } });
    assert.equal(await gone('last'), true);
  });
});
