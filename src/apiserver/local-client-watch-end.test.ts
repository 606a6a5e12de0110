// The in-process client's watch when its storage watch ends by itself (history it owed was
// compacted, e.g. an etcd watch resuming after an outage): the caller's onClose hears a 410 Expired,
// as an HTTP watcher would, so it can relist; nothing more is delivered, and an abort after that
// does not call onClose again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { expiringWatches, type ExpiringWatches } from '../../test/support/expiring-watches.js';
import { eventually } from '../../test/support/eventually.js';
import { hasReason, type WatchEvent } from '../client/types.js';

const cms = { group: '', version: 'v1', resource: 'configmaps' };
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { n: name } });

describe('local client watch ended by the storage', () => {
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

  it('calls onClose with 410 Expired after the events it delivered, then stays silent', async () => {
    const list = await cp.client.list(cms, { namespace: 'default' });
    // Only this test's objects (the root CA controller writes its own ConfigMap here too).
    const events: WatchEvent[] = [];
    const closes: unknown[] = [];
    const stop = new AbortController();
    await cp.client.watch(cms, { namespace: 'default', resourceVersion: list.resourceVersion }, { onEvent: (e) => e.object.metadata.name?.startsWith('lc-') && events.push(e), onClose: (err) => closes.push(err) }, stop.signal);
    await cp.client.create(cms, cm('lc-before-end'));
    await eventually(() => events.length === 1);

    assert.equal(await watches.expire('/configmaps/default/'), 1);
    await eventually(() => closes.length === 1, 2000, 'onClose');
    const err = closes[0] as { code?: number; message?: string };
    assert.ok(hasReason(err, 'Expired'), `a 410 Expired, not ${JSON.stringify(err)}`);
    assert.equal(err.code, 410);
    assert.match(err.message ?? '', /^too old resource version: \d+ \(\d+\)$/);

    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'the ended watch no longer listens on the caller\'s signal (relists would pile up there)');
    await cp.client.create(cms, cm('lc-after-end'));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED lc-before-end']);
    stop.abort();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(closes.length, 1, 'an abort after the end is not a second close');
  });

  it('does not call onClose when the caller aborts first', async () => {
    const closes: unknown[] = [];
    const stop = new AbortController();
    await cp.client.watch(cms, { namespace: 'kube-system' }, { onEvent: () => undefined, onClose: (err) => closes.push(err) }, stop.signal);
    stop.abort();
    assert.equal(await watches.expire('/configmaps/kube-system/'), 0, 'the aborted watch was cancelled in storage');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(closes, []);
  });
});
