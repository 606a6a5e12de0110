import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../test/support/bare-control-plane.js';
import { hasReason } from '../client/types.js';
import { runNodePasswordCleanup } from './node-password-cleanup.js';
import { eventually } from '../../test/support/eventually.js';

const nodes = { group: '', version: 'v1', resource: 'nodes' };
const secrets = { group: '', version: 'v1', resource: 'secrets' };

describe('node password cleanup', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  before(async () => {
    cp = await startBareControlPlane();
    await runNodePasswordCleanup({ client: cp.client }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });
  const password = (name: string) =>
    cp.client.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}.node-password.k3ts`, namespace: 'kube-system' }, stringData: { hash: 'x' } });
  const secretExists = async (name: string) => {
    try {
      await cp.client.get(secrets, 'kube-system', `${name}.node-password.k3ts`);
      return true;
    } catch (err) {
      if (hasReason(err, 'NotFound')) return false;
      throw err;
    }
  };

  it('deletes the password of a deleted node, and only that one', async () => {
    for (const n of ['w1', 'w2']) {
      await password(n);
      await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    }
    await password('joining'); // no Node yet
    await cp.client.delete(nodes, undefined, 'w1');
    await eventually(async () => !(await secretExists('w1')));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await secretExists('w2'), true);
    assert.equal(await secretExists('joining'), true);
  });

  it('a node deleted without a password is no error', async () => {
    const errors: unknown[] = [];
    const local = new AbortController();
    await runNodePasswordCleanup({ client: cp.client, onError: (_k, e) => errors.push(e) }, local.signal);
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare' } });
    await cp.client.delete(nodes, undefined, 'bare');
    await new Promise((r) => setTimeout(r, 200));
    local.abort();
    assert.deepEqual(errors, []);
  });
});
