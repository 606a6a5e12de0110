// The allocator learns which ClusterIPs are taken from a watch on Services. When that watch ends by
// itself (history it owed was compacted, e.g. an etcd watch resuming after an outage) it lists and
// watches again: a Service created meanwhile keeps its IP to itself, and one deleted meanwhile frees
// its IP — instead of handing out an IP twice or never again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { expiringWatches, type ExpiringWatches } from '../../../test/support/expiring-watches.js';
import { eventually } from '../../../test/support/eventually.js';
import { hasReason } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';

const svcs = { group: '', version: 'v1', resource: 'services' };
const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const ipOf = (o: KObject) => (o.spec as { clusterIP: string }).clusterIP;

describe('ClusterIP allocation after its Service watch ends', () => {
  let cp: TestControlPlane;
  let watches: ExpiringWatches | undefined;
  before(async () => {
    cp = await startTestControlPlane({ onBackend: (b) => (watches = expiringWatches(b)) });
  });
  after(async () => {
    watches?.restore();
    await cp.close();
  });

  it('relists: IPs taken meanwhile stay taken, IPs freed meanwhile can be asked for', async () => {
    const old = await cp.client.create(svcs, svc('relist-old', { ports: [{ port: 80 }] }));
    assert.ok((await watches!.expire('/services/')) >= 1, 'the allocator had a storage watch to end');
    // While the allocator has no watch: one Service goes, another comes.
    await cp.client.delete(svcs, 'default', 'relist-old');
    const fresh = await cp.client.create(svcs, svc('relist-new', { ports: [{ port: 80 }] }));
    // Within a few seconds the allocator has listed again.
    await eventually(async () => {
      try {
        return await cp.client.create(svcs, svc('relist-reuse', { clusterIP: ipOf(old), ports: [{ port: 80 }] }));
      } catch (err) {
        if (hasReason(err, 'Invalid')) return undefined;
        throw err;
      }
    }, 5000, 'the deleted Service\'s IP to be free again');
    await assert.rejects(
      cp.client.create(svcs, svc('relist-clash', { clusterIP: ipOf(fresh), ports: [{ port: 80 }] })),
      (err: Error) => hasReason(err, 'Invalid') && /provided IP is already allocated/.test(err.message),
    );
  });
});
