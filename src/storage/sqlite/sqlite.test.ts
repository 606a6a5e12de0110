import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StorageError } from '../backend.js';
import { EventLog, runBackendConformance } from '../conformance.js';
import { openBackend } from '../open.js';
import { SqliteBackend, type SqliteBackendOptions } from './sqlite-backend.js';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-sqlite-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function openIn(dir: string, opts: Partial<SqliteBackendOptions> = {}): SqliteBackend {
  return SqliteBackend.open({ path: join(dir, 'state.db'), autoCompaction: { intervalMs: 0 }, ...opts });
}

runBackendConformance('sqlite', async () => {
  const dir = tempDir();
  const backend = openIn(dir);
  return {
    backend,
    dispose: async () => {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite: durability', () => {
  it('keeps data across close and reopen, and continues the revision counter', async () => {
    const dir = tempDir();
    const first = openIn(dir);
    const a = await first.create('/d/a', 'one');
    const d = await first.delete((await first.create('/d/b', 'two')).key);
    await first.close();

    const second = openIn(dir);
    try {
      assert.equal(await second.currentRevision(), d.modRevision);
      assert.deepEqual(await second.get('/d/a'), a);
      assert.equal(await second.get('/d/b'), undefined);
      const c = await second.create('/d/c', 'three');
      assert.equal(c.modRevision, d.modRevision + 1);
    } finally {
      await second.close();
    }
  });

  it('keeps the revision counter even when the newest rows were compacted away', async () => {
    const dir = tempDir();
    const first = openIn(dir);
    await first.create('/d/a', '1');
    const d = await first.delete('/d/a');
    await first.compact(d.modRevision);
    await first.close();
    const second = openIn(dir);
    try {
      assert.equal(await second.currentRevision(), d.modRevision);
      assert.equal(await second.compactedRevision(), d.modRevision);
      assert.ok((await second.create('/d/a', '2')).modRevision > d.modRevision);
      await assert.rejects(second.list({ prefix: '/', revision: d.modRevision - 1 }), { code: 'Compacted' });
    } finally {
      await second.close();
    }
  });

  it('refuses a second backend on the same file while the first is open, at once', async () => {
    const dir = tempDir();
    const first = openIn(dir);
    try {
      const start = performance.now();
      assert.throws(() => openIn(dir), /in use by another process/);
      const ms = performance.now() - start;
      // A busy timeout would make a second server wait (5 s by default) for a lock that is never released.
      assert.ok(ms < 1000, `refused after ${ms.toFixed(0)} ms; expected no busy wait`);
    } finally {
      await first.close();
    }
  });

  it('keeps every acknowledged create when the writer process is killed with SIGKILL', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const here = fileURLToPath(import.meta.url);
    const script = join(here, '..', `crash-writer${extname(here)}`);
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // Kill mid-flight once plenty of writes have been acknowledged.
        if (out.split('\n').length > 2000) resolve();
      });
      child.on('exit', () => reject(new Error(`writer exited early: ${err}`)));
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const acknowledged = out.split('\n').filter((line) => line.startsWith('/crash/k'));
    // The last line may be cut mid-write; only whole lines count as acknowledged.
    if (!out.endsWith('\n')) acknowledged.pop();
    assert.ok(acknowledged.length >= 2000);

    const reopened = SqliteBackend.open({ path, autoCompaction: { intervalMs: 0 } });
    try {
      const { items } = await reopened.list({ prefix: '/crash/' });
      const stored = new Set(items.map((kv) => kv.key));
      const lost = acknowledged.filter((key) => !stored.has(key));
      assert.deepEqual(lost, [], 'acknowledged creates lost after SIGKILL');
      assert.equal(new Set(items.map((kv) => kv.modRevision)).size, items.length);
    } finally {
      await reopened.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      raw.close();
    }
  });
});

describe('sqlite: the current-state index', () => {
  it('lists live keys from it at the current revision, and the same keys from the log at an older one', async () => {
    const b = openIn(tempDir());
    await b.create('/x/a', 'a1');
    const b1 = await b.create('/x/b', 'b1');
    await b.update('/x/b', 'b2', b1.modRevision);
    const before = await b.currentRevision();
    await b.delete('/x/a');
    await b.create('/x/a', 'a2');
    await b.create('/x/c', 'c1');
    const now = await b.list({ prefix: '/x/' });
    assert.deepEqual(now.items.map((kv) => `${kv.key}=${kv.value}`), ['/x/a=a2', '/x/b=b2', '/x/c=c1']);
    const old = await b.list({ prefix: '/x/', revision: before });
    assert.deepEqual(old.items.map((kv) => `${kv.key}=${kv.value}`), ['/x/a=a1', '/x/b=b2']);
    const page = await b.list({ prefix: '/x/', limit: 2 });
    assert.deepEqual([page.items.map((kv) => kv.key), page.more], [['/x/a', '/x/b'], true]);
    await b.close();
  });

  it('is built from the log when a database from before it is opened', async () => {
    const dir = tempDir();
    const b = openIn(dir);
    await b.create('/x/a', 'a1');
    await b.create('/x/gone', 'g');
    await b.delete('/x/gone');
    await b.close();
    const raw = new Database(join(dir, 'state.db'));
    raw.exec(`DROP TABLE kv_current; DELETE FROM kv_meta WHERE key = 'current_index_built';`);
    raw.close();
    const again = openIn(dir);
    assert.deepEqual((await again.list({ prefix: '/x/' })).items.map((kv) => kv.key), ['/x/a']);
    await again.close();
  });
});

describe('sqlite: group commit', () => {
  it('commits writes from one event-loop turn in one transaction, failing only the bad op', async () => {
    const dir = tempDir();
    const db = openIn(dir);
    try {
      const existing = await db.create('/g/existing', 'v1');
      const before = db.stats();
      const start = await db.currentRevision();
      const log = new EventLog();
      const handle = await db.watch({ prefix: '/g/', afterRevision: start }, log.listener);
      const results = await Promise.allSettled([
        db.create('/g/a', 'a'),
        db.create('/g/existing', 'dup'),
        db.update('/g/existing', 'stale', existing.modRevision - 1),
        db.create('/g/b', 'b'),
        db.update('/g/existing', 'v2', existing.modRevision),
        db.delete('/g/missing'),
      ]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? `ok@${r.value.modRevision}` : (r.reason as StorageError).code)),
        [`ok@${start + 1}`, 'KeyExists', 'Conflict', `ok@${start + 2}`, `ok@${start + 3}`, 'NotFound'],
      );
      const after = db.stats();
      assert.equal(after.commits - before.commits, 1, 'one transaction for the batch');
      assert.equal(after.writes - before.writes, 3);
      const events = await log.until((e) => e.length >= 3);
      assert.deepEqual(events.map((e) => `${e.type} ${e.kv.key}`), ['create /g/a', 'create /g/b', 'update /g/existing']);
      handle.cancel();
    } finally {
      await db.close();
    }
  });

  it('commits writes still queued when close() is called', async () => {
    const dir = tempDir();
    const db = openIn(dir);
    const pending = db.create('/q/a', 'queued');
    await db.close();
    assert.equal((await pending).key, '/q/a');
    await assert.rejects(db.create('/q/b', 'late'), /closed/);
    const reopened = openIn(dir);
    try {
      assert.equal((await reopened.get('/q/a'))?.value, 'queued');
    } finally {
      await reopened.close();
    }
  });
});

describe('sqlite: compaction', () => {
  it('physically drops superseded rows but keeps the newest row of every live key', async () => {
    const dir = tempDir();
    const db = openIn(dir, { compactionWindow: 7 });
    let kv = await db.create('/h/a', '0');
    for (let i = 1; i <= 40; i++) kv = await db.update('/h/a', String(i), kv.modRevision);
    const b = await db.create('/h/b', 'b');
    await db.delete(b.key);
    await db.compact(await db.currentRevision());
    await db.close();
    const raw = new Database(join(dir, 'state.db'), { readonly: true });
    try {
      assert.deepEqual(raw.prepare('SELECT name, value FROM kv_log').all(), [{ name: '/h/a', value: '40' }]);
    } finally {
      raw.close();
    }
  });

  it('compacts on its own on a timer, keeping the configured number of revisions', async () => {
    const dir = tempDir();
    const db = openIn(dir, { autoCompaction: { intervalMs: 20, keepRevisions: 5 } });
    try {
      let kv = await db.create('/auto/a', '0');
      for (let i = 1; i < 30; i++) kv = await db.update('/auto/a', String(i), kv.modRevision);
      const deadline = Date.now() + 3000;
      while ((await db.compactedRevision()) !== kv.modRevision - 5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(await db.compactedRevision(), kv.modRevision - 5);
      await assert.rejects(db.list({ prefix: '/auto/', revision: kv.modRevision - 6 }), (err: unknown) => {
        return err instanceof StorageError && err.code === 'Compacted' && err.revision === kv.modRevision - 5;
      });
      assert.equal((await db.list({ prefix: '/auto/', revision: kv.modRevision - 5 })).items[0]?.value, '24');
    } finally {
      await db.close();
    }
  });
});

describe('openBackend', () => {
  it('opens SQLite from sqlite:// URLs and bare paths', async () => {
    const dir = tempDir();
    for (const endpoint of [`sqlite://${join(dir, 'a', 'url.db')}?_journal=WAL`, join(dir, 'b', 'bare.db')]) {
      const backend = await openBackend(endpoint, { autoCompaction: { intervalMs: 0 } });
      try {
        assert.equal(backend.name, 'sqlite');
        await backend.create('/x', 'y');
        assert.equal((await backend.get('/x'))?.value, 'y');
      } finally {
        await backend.close();
      }
    }
  });

  it('names the supported schemes when given an unknown one', async () => {
    await assert.rejects(openBackend('etcd://127.0.0.1:2379'), /unsupported datastore endpoint scheme "etcd:\/\/".*sqlite:\/\//);
  });
});
