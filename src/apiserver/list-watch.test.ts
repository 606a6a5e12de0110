// The read semantics kubectl and controllers rely on: paged lists from one snapshot, watches that
// start exactly where a list ended, selector transitions, and 410 Expired after compaction.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { hasReason, type WatchEvent } from '../client/types.js';

const cms = { group: '', version: 'v1', resource: 'configmaps' };
const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data: { n: name } });

async function until(check: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('list and watch', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  it('pages with limit/continue see one snapshot, even while objects change', async () => {
    for (let i = 0; i < 25; i++) await cp.client.create(cms, cm(`page-${String(i).padStart(2, '0')}`, { set: 'page' }));
    const first = await cp.client.list(cms, { namespace: 'default', labelSelector: 'set=page', limit: 10 });
    assert.equal(first.items.length, 10);
    assert.ok(first.continue);
    // Changes after the first page must not show up in later pages of the same list.
    await cp.client.create(cms, cm('page-99', { set: 'page' }));
    await cp.client.delete(cms, 'default', 'page-24');
    const names = first.items.map((o) => o.metadata.name);
    let token: string | undefined = first.continue;
    while (token) {
      const next = await cp.client.list(cms, { namespace: 'default', labelSelector: 'set=page', limit: 10, continue: token });
      assert.equal(next.resourceVersion, first.resourceVersion);
      names.push(...next.items.map((o) => o.metadata.name));
      token = next.continue;
    }
    assert.deepEqual(names, Array.from({ length: 25 }, (_, i) => `page-${String(i).padStart(2, '0')}`));
  });

  it('a watch from a list revision sees exactly the later changes, and selector moves as ADDED/DELETED', async () => {
    const list = await cp.client.list(cms, { namespace: 'default', labelSelector: 'tier=front' });
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    await cp.client.watch(cms, { namespace: 'default', labelSelector: 'tier=front', resourceVersion: list.resourceVersion }, { onEvent: (e) => events.push(e) }, stop.signal);
    await cp.client.create(cms, cm('w1', { tier: 'front' }));
    await cp.client.create(cms, cm('w2', { tier: 'back' }));
    await cp.client.patch(cms, 'default', 'w2', { type: 'merge', body: { metadata: { labels: { tier: 'front' } } } });
    await cp.client.patch(cms, 'default', 'w1', { type: 'merge', body: { data: { n: 'changed' } } });
    await cp.client.patch(cms, 'default', 'w1', { type: 'merge', body: { metadata: { labels: { tier: 'back' } } } });
    await cp.client.delete(cms, 'default', 'w2');
    await until(() => events.length >= 5);
    stop.abort();
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED w1', 'ADDED w2', 'MODIFIED w1', 'DELETED w1', 'DELETED w2'],
    );
    const revisions = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual([...revisions].sort((a, b) => a - b), revisions, 'events arrive in revision order');
  });

  it('a watch without a revision first replays the current state as ADDED', async () => {
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    await cp.client.watch(cms, { namespace: 'default', labelSelector: 'set=page', fieldSelector: 'metadata.name!=page-00' }, { onEvent: (e) => events.push(e) }, stop.signal);
    stop.abort();
    assert.equal(events.length, 24);
    assert.ok(events.every((e) => e.type === 'ADDED' && e.object.metadata.name !== 'page-00'));
  });

  it('after compaction, old continue tokens and old watch revisions are 410 Expired', async () => {
    const first = await cp.client.list(cms, { namespace: 'default', limit: 5 });
    for (let i = 0; i < 5; i++) await cp.client.patch(cms, 'default', 'page-01', { type: 'merge', body: { data: { n: String(i) } } });
    const latest = await cp.client.list(cms, { namespace: 'default', limit: 1 });
    await cp.context.store.backend.compact(Number(latest.resourceVersion));
    await assert.rejects(cp.client.list(cms, { namespace: 'default', limit: 5, continue: first.continue }), (err) => hasReason(err, 'Expired'));
    await assert.rejects(
      cp.client.watch(cms, { namespace: 'default', resourceVersion: first.resourceVersion }, { onEvent() {} }, new AbortController().signal),
      (err) => hasReason(err, 'Expired'),
    );
  });
});

describe('concurrent writers', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  it('updates without a resourceVersion never fail because another writer got in between', async () => {
    await cp.client.create(cms, cm('busy'));
    const writers = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? cp.client.update(cms, { ...cm('busy'), data: { n: `put-${i}` } })
        : cp.client.patch(cms, 'default', 'busy', { type: 'merge', body: { metadata: { labels: { [`w${i}`]: 'x' } } } }),
    );
    const results = await Promise.allSettled(writers);
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
  });

  it('an update that names a stale resourceVersion is a Conflict', async () => {
    const current = await cp.client.get(cms, 'default', 'busy');
    await cp.client.patch(cms, 'default', 'busy', { type: 'merge', body: { data: { n: 'moved on' } } });
    await assert.rejects(cp.client.update(cms, current), (err) => hasReason(err, 'Conflict'));
  });
});
