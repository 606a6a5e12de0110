// listAndWatch over the in-process client when the storage watch ends by itself (history it owed was
// compacted): it lists again and hands over the complete current set, including what changed while
// no watch was running, and keeps following the kind afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import { expiringWatches, type ExpiringWatches } from '../../test/support/expiring-watches.js';
import { eventually } from '../../test/support/eventually.js';
import { listAndWatch } from './list-watch.js';
import { hasReason } from './types.js';

const cms = { group: '', version: 'v1', resource: 'configmaps' };
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { n: name } });
const mine = (names: Array<string | undefined>) => names.filter((n): n is string => !!n?.startsWith('lw-')).sort();

describe('listAndWatch when the storage ends its watch', () => {
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

  it('relists with everything current and follows later changes', async () => {
    await cp.client.create(cms, cm('lw-kept'));
    await cp.client.create(cms, cm('lw-gone'));
    const lists: string[][] = [];
    const events: string[] = [];
    const errors: unknown[] = [];
    const stop = new AbortController();
    await listAndWatch(
      {
        client: cp.client,
        type: cms,
        fieldSelector: 'metadata.namespace=default',
        onList: (items) => lists.push(mine(items.map((o) => o.metadata.name))),
        onEvent: (ev) => events.push(`${ev.type} ${ev.object.metadata.name}`),
        onError: (err) => errors.push(err),
        retryMs: 50,
      },
      stop.signal,
    );
    try {
      assert.deepEqual(lists, [['lw-gone', 'lw-kept']]);
      const ended = await watches.expire('/configmaps/');
      assert.ok(ended >= 1);
      // Changes while no watch runs: only a fresh list can show them.
      await cp.client.delete(cms, 'default', 'lw-gone');
      await cp.client.create(cms, cm('lw-new'));
      await eventually(() => lists.length === 2, 3000, 'a second list');
      assert.ok(hasReason(errors[0], 'Expired'), `told why: ${JSON.stringify(errors[0])}`);
      assert.deepEqual(lists[1], ['lw-kept', 'lw-new']);
      await cp.client.create(cms, cm('lw-later'));
      await eventually(() => events.includes('ADDED lw-later'), 3000, 'the event after the relist');
    } finally {
      stop.abort();
    }
  });
});
