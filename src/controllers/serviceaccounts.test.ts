import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../test/support/bare-control-plane.js';
import { hasReason } from '../client/types.js';
import { runServiceAccountsController } from './serviceaccounts.js';
import { eventually } from '../../test/support/eventually.js';

const ns = { group: '', version: 'v1', resource: 'namespaces' };
const sas = { group: '', version: 'v1', resource: 'serviceaccounts' };

describe('default ServiceAccount', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  before(async () => {
    cp = await startBareControlPlane();
    await runServiceAccountsController({ client: cp.client }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });
  const has = (namespace: string) => async () => {
    try {
      return !!(await cp.client.get(sas, namespace, 'default'));
    } catch (err) {
      if (hasReason(err, 'NotFound')) return false;
      throw err;
    }
  };

  it('exists in the system namespaces and in a new one', async () => {
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) await eventually(has(n));
    await cp.client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await eventually(has('team'));
  });

  it('comes back when deleted, as a new object', async () => {
    await eventually(has('default'));
    const before = await cp.client.get(sas, 'default', 'default');
    await cp.client.delete(sas, 'default', 'default');
    await eventually(async () => (await has('default')()) && (await cp.client.get(sas, 'default', 'default')).metadata.uid !== before.metadata.uid);
  });

  it('is not put back in a terminating namespace', async () => {
    await cp.client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' } });
    await eventually(has('leaving'));
    await cp.client.delete(ns, undefined, 'leaving');
    await eventually(async () => {
      try {
        await cp.client.get(ns, undefined, 'leaving');
        return false;
      } catch (err) {
        return hasReason(err, 'NotFound');
      }
    });
    assert.equal(await has('leaving')(), false);
  });
});
