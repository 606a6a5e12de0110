import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from '../../storage/sqlite/sqlite-backend.js';
import { EtcdBackend } from '../../storage/etcd/etcd-backend.js';
import { etcdSkipReason, TestEtcd } from '../../storage/etcd/test-etcd.js';
import { migrateSqliteToEtcd, planSqliteMigration, sqliteMigrationPaths, writeMigrationMarker } from './sqlite-migration.js';

describe('planSqliteMigration', () => {
  const paths = sqliteMigrationPaths('/d');
  const plan = (o: { sqlite: boolean; marker: boolean; member: boolean; joining?: boolean }) => planSqliteMigration({ joining: false, ...o, paths });

  it('migrates a SQLite store into a new cluster, and again after an interrupted migration', () => {
    assert.deepEqual(plan({ sqlite: true, marker: false, member: false }), { action: 'migrate', resumed: false });
    assert.deepEqual(plan({ sqlite: true, marker: true, member: true }), { action: 'migrate', resumed: true });
    assert.deepEqual(plan({ sqlite: true, marker: true, member: false }), { action: 'migrate', resumed: true });
  });

  it('does nothing without a SQLite store, and drops a marker a finished migration left', () => {
    assert.deepEqual(plan({ sqlite: false, marker: false, member: true }), { action: 'none' });
    assert.deepEqual(plan({ sqlite: false, marker: false, member: false, joining: true }), { action: 'none' });
    assert.deepEqual(plan({ sqlite: false, marker: true, member: true }), { action: 'forget-marker' });
  });

  it('refuses a SQLite store beside an etcd member it did not fill, and a join that would leave SQLite data behind', () => {
    const both = plan({ sqlite: true, marker: false, member: true });
    assert.equal(both.action, 'refuse');
    assert.match((both as { reason: string }).reason, /^\/d\/server\/db\/state\.db \(a SQLite datastore\) and \/d\/server\/db\/etcd \(an etcd member\) both hold cluster data/);
    const join = plan({ sqlite: true, marker: false, member: false, joining: true });
    assert.equal(join.action, 'refuse');
    assert.match((join as { reason: string }).reason, /joining with --server would leave behind: start with --cluster-init instead/);
  });
});

describe('migrateSqliteToEtcd on a real etcd', { skip: etcdSkipReason() }, () => {
  let etcd: TestEtcd;
  let dir: string;
  before(async () => {
    etcd = await TestEtcd.start();
    dir = mkdtempSync(join(tmpdir(), 'k3ts-migrate-'));
    mkdirSync(join(dir, 'server', 'db'), { recursive: true });
  });
  after(async () => {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an interruption half-way leaves SQLite in place; the next run copies every live key with its latest value and moves the file aside', async () => {
    const paths = sqliteMigrationPaths(dir);
    const sqlite = SqliteBackend.open({ path: paths.sqliteFile, autoCompaction: { intervalMs: 0 } });
    const want = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const key = `/registry/configmaps/ns-${i % 7}/cm-${i}`;
      const value = JSON.stringify({ kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { n: String(i) } });
      await sqlite.create(key, value);
      want.set(key, value);
    }
    // Updated (only the latest value moves), deleted (must not reappear), and large (batches split by size).
    const kv = await sqlite.get('/registry/configmaps/ns-1/cm-1');
    await sqlite.update(kv!.key, '{"updated":true}', kv!.modRevision);
    want.set(kv!.key, '{"updated":true}');
    await sqlite.delete('/registry/configmaps/ns-2/cm-2');
    want.delete('/registry/configmaps/ns-2/cm-2');
    for (let i = 0; i < 3; i++) {
      const key = `/registry/secrets/big/s-${i}`;
      const value = JSON.stringify({ data: 'x'.repeat(700 * 1024), i });
      await sqlite.create(key, value);
      want.set(key, value);
    }
    await sqlite.close();

    await writeMigrationMarker(paths);
    const first = SqliteBackend.open({ path: paths.sqliteFile, autoCompaction: { intervalMs: 0 } });
    await assert.rejects(
      migrateSqliteToEtcd({ paths, source: first, etcd: { endpoint: etcd.endpoint }, resumed: false, afterBatch: () => { throw new Error('killed half-way'); } }),
      /killed half-way/,
    );
    assert.ok(existsSync(paths.sqliteFile), 'state.db stays the store');
    assert.ok(existsSync(paths.markerFile), 'the marker says a migration is unfinished');
    assert.deepEqual(planSqliteMigration({ sqlite: true, marker: true, member: true, joining: false, paths }), { action: 'migrate', resumed: true });

    const second = SqliteBackend.open({ path: paths.sqliteFile, autoCompaction: { intervalMs: 0 } });
    const done = await migrateSqliteToEtcd({ paths, source: second, etcd: { endpoint: etcd.endpoint }, resumed: true });
    assert.equal(done.keys, want.size);
    assert.equal(done.keptAs, `${paths.sqliteFile}.migrated`);
    assert.ok(!existsSync(paths.sqliteFile));
    assert.ok(existsSync(`${paths.sqliteFile}.migrated`));
    assert.ok(!existsSync(paths.markerFile));
    assert.deepEqual(planSqliteMigration({ sqlite: false, marker: false, member: true, joining: false, paths }), { action: 'none' });

    const target = await EtcdBackend.open({ endpoints: etcd.endpoint, autoCompaction: { intervalMs: 0 } });
    try {
      const got = await target.list({ prefix: '/registry/' });
      assert.deepEqual(new Map(got.items.map((i) => [i.key, i.value])), want);
      // The record the API server's guard reads (migrated-revisions.ts): SQLite's last revision.
      const record = JSON.parse((await target.get('/k3ts/sqlite-migration'))!.value) as { sqliteRevision: number; keys: number };
      assert.deepEqual({ ...record, movedAt: undefined }, { sqliteRevision: 405, keys: want.size, movedAt: undefined });
      assert.equal((await target.list({ prefix: '' })).items.length, want.size + 1);
    } finally {
      await target.close();
    }
    // The kept file is still a complete SQLite store.
    const kept = SqliteBackend.open({ path: `${paths.sqliteFile}.migrated`, autoCompaction: { intervalMs: 0 } });
    try {
      assert.equal((await kept.list({ prefix: '' })).items.length, want.size);
    } finally {
      await kept.close();
    }
  });
});
