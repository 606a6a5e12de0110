// A controller whose storage watch ends by itself (history it owed was compacted, e.g. after an etcd
// outage) starts its watch over and goes on reconciling changes; before, it silently saw nothing more.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { expiringWatches, type ExpiringWatches } from '../../../test/support/expiring-watches.js';
import { eventually } from '../../../test/support/eventually.js';
import { runController } from './run-controller.js';

const secrets = { group: '', version: 'v1', resource: 'secrets' };
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: {} });

describe('runController when the storage ends its watch', () => {
  let cp: TestControlPlane;
  let watches: ExpiringWatches;
  before(async () => {
    cp = await startTestControlPlane();
    watches = expiringWatches(cp.context.store.backend);
  });
  after(async () => {
    watches.restore();
    await cp.close();
  });

  it('watches again and reconciles what changes afterwards', async () => {
    const reconciled = new Set<string>();
    const stop = new AbortController();
    const running = await runController({ name: 'relist-test', client: cp.client, for: secrets, reconcile: async (key) => void reconciled.add(key) }, stop.signal);
    try {
      await cp.client.create(secrets, secret('rc-first'));
      await eventually(() => reconciled.has('default/rc-first'), 3000, 'the first reconcile');
      assert.ok((await watches.expire('/secrets/')) >= 1, 'the controller had a storage watch to end');
      await cp.client.create(secrets, secret('rc-after-end'));
      await eventually(() => reconciled.has('default/rc-after-end'), 5000, 'a reconcile after the watch ended');
    } finally {
      stop.abort();
      await running.stopped;
    }
  });
});
