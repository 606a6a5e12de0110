import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '../../storage/backend.js';
import { SqliteBackend } from '../../storage/sqlite/sqlite-backend.js';
import { guardMigratedRevisions } from './migrated-revisions.js';
import { MIGRATION_RECORD_KEY } from './sqlite-migration.js';

// Any Backend will do as the inner one; SQLite needs no server.
describe('guardMigratedRevisions', () => {
  let dir: string;
  let inner: SqliteBackend;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-migrated-rev-'));
    inner = SqliteBackend.open({ path: join(dir, 'db'), autoCompaction: { intervalMs: 0 } });
  });
  after(async () => {
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a migration record it is the backend itself', async () => {
    assert.equal(await guardMigratedRevisions(inner), inner);
  });

  it('a watch or paged list at a revision from the SQLite history that etcd has not reached is expired (410), not a silent wait', async () => {
    await inner.create(MIGRATION_RECORD_KEY, JSON.stringify({ sqliteRevision: 5000, keys: 3, movedAt: 'then' }));
    await inner.create('/registry/configmaps/a/x', '{}');
    const guarded = await guardMigratedRevisions(inner);
    const current = await inner.currentRevision();
    const expired = (err: unknown) => err instanceof StorageError && err.code === 'Compacted' && err.revision === current && /from the SQLite datastore this cluster was moved from; list again/.test(err.message);
    await assert.rejects(guarded.watch({ prefix: '/registry/', afterRevision: 4200 }, () => {}), expired);
    await assert.rejects(guarded.list({ prefix: '/registry/', revision: 4200 }), expired);
    // etcd's own revisions pass through.
    const seen: string[] = [];
    const w = await guarded.watch({ prefix: '/registry/', afterRevision: current }, (evs) => seen.push(...evs.map((e) => e.kv.key)));
    await guarded.create('/registry/configmaps/a/y', '{}');
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    w.cancel();
    assert.deepEqual(seen, ['/registry/configmaps/a/y']);
    assert.equal((await guarded.list({ prefix: '/registry/', revision: current })).items.length, 1);
  });
});
