// A list without a limit from a datastore that reads in chunks (etcd): the same items, in key order,
// at one resourceVersion, as one read would give, even while writes go on between the chunks; and a
// compaction of that revision between two chunks starts the list over instead of answering 410 to a
// client that asked for no revision.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { registry } from '../../registry/index.js';
import type { Backend, ListOptions } from '../../storage/backend.js';
import { SqliteBackend } from '../../storage/sqlite/sqlite-backend.js';
import { ObjectStore } from './object-store.js';

const dir = mkdtempSync(join(tmpdir(), 'k3ts-chunked-list-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const configmaps = registry.findByResource('', 'v1', 'configmaps')!;

/** SQLite, told to be read in chunks of 7, with a hook between the chunks. */
function chunked(inner: Backend, between: (calls: number) => Promise<void> | void): { backend: Backend; calls: ListOptions[] } {
  const calls: ListOptions[] = [];
  const backend = Object.assign(Object.create(inner) as Backend, {
    listChunk: 7,
    async list(opts: ListOptions) {
      calls.push(opts);
      if (calls.length > 1) await between(calls.length);
      return inner.list(opts);
    },
  });
  return { backend, calls };
}

describe('ObjectStore: lists read in chunks', () => {
  it('gives every object once, in order, at the first chunk\'s revision, while writes go on', async () => {
    const inner = SqliteBackend.open({ path: join(dir, 'a.db'), autoCompaction: { intervalMs: 0 } });
    try {
      const plain = new ObjectStore(inner);
      for (let i = 0; i < 30; i++) {
        await plain.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(2, '0')}`, namespace: 'ns' }, data: { i: String(i) } });
      }
      const whole = await plain.list(configmaps, { namespace: 'ns' });
      let extra = 0;
      const { backend, calls } = chunked(inner, () => {
        // Objects created after the first chunk are not part of this list (it reads at one revision).
        return plain.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-new-${extra++}`, namespace: 'ns' } }).then(() => {});
      });
      const list = await new ObjectStore(backend).list(configmaps, { namespace: 'ns' });
      assert.deepEqual(list.items.map((o) => o.metadata.name), whole.items.map((o) => o.metadata.name));
      assert.equal(list.resourceVersion, whole.resourceVersion);
      assert.equal(calls.length, 5, '30 objects in chunks of 7');
      assert.ok(calls.slice(1).every((c) => c.revision === Number(whole.resourceVersion) && c.limit === 7));
      // A list with a limit is paged by the client, not chunked.
      calls.length = 0;
      const page = await new ObjectStore(backend).list(configmaps, { namespace: 'ns', limit: 3 });
      assert.equal(page.items.length, 3);
      assert.ok(page.continueToken);
    } finally {
      await inner.close();
    }
  });

  it('starts over when the revision it reads at is compacted between two chunks', async () => {
    const inner = SqliteBackend.open({ path: join(dir, 'b.db'), autoCompaction: { intervalMs: 0 } });
    try {
      const plain = new ObjectStore(inner);
      for (let i = 0; i < 20; i++) await plain.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'ns' } });
      let compactedOnce = false;
      const { backend, calls } = chunked(inner, async () => {
        if (compactedOnce) return;
        compactedOnce = true;
        // Two updates, then compaction up to the newest: the first chunk's revision is gone.
        const cm = await plain.get(configmaps, 'ns', 'cm-0');
        await plain.update(configmaps, { ...cm, data: { v: '2' } });
        await inner.compact(await inner.currentRevision());
      });
      const list = await new ObjectStore(backend).list(configmaps, { namespace: 'ns' });
      assert.equal(list.items.length, 20);
      assert.equal((list.items.find((o) => o.metadata.name === 'cm-0')?.data as Record<string, string> | undefined)?.v, '2', 'the list read after the compaction sees the update');
      assert.ok(calls.some((c) => c.limit === 0), 'the second attempt reads in one go');
    } finally {
      await inner.close();
    }
  });
});
