// Tests every SQL backend runs beyond the conformance suite, against a real server the test started:
// the database restarting underneath, two servers sharing one database, and the one-line errors at open
// (wrong password, unreachable, missing database). Written once; postgres.test.ts and mysql.test.ts
// each supply their server.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLog } from '../conformance.js';
import { openBackend } from '../open.js';
import { StorageError, type Backend } from '../backend.js';

export interface TestDatabaseServer {
  database(opts?: { create?: boolean }): Promise<{ name: string; url: string; drop(): Promise<void> }>;
  restart(downMs?: number): Promise<void>;
  readonly port: number;
}

const open = (url: string) => openBackend(url, { autoCompaction: { intervalMs: 0 } });

async function retry<T>(attempt: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function openFails(url: string): Promise<{ message: string; ms: number }> {
  const started = Date.now();
  try {
    const backend = await open(url);
    await backend.close();
  } catch (err) {
    return { message: (err as Error).message, ms: Date.now() - started };
  }
  assert.fail(`opening ${url} succeeded`);
}

export function runSqlOperationalTests(name: string, server: () => TestDatabaseServer, password: string): void {
  describe(`${name}: operations`, () => {
    it('recovers after the database restarts: a write while it is down fails clearly, nothing is lost', async () => {
      const db = await server().database();
      const backend = await open(db.url);
      try {
        const a = await backend.create('/r/a', '1');
        const log = new EventLog();
        const handle = await backend.watch({ prefix: '/r/', afterRevision: a.modRevision }, log.listener);
        await server().restart(300);
        // The first writes after a restart may land on pooled connections the restart cut; they must
        // fail with a clear error (never a half-written object), and later ones must succeed.
        const b = await retry(async () => {
          try {
            return await backend.create('/r/b', '2');
          } catch (err) {
            const message = (err as Error).message;
            assert.ok(!message.includes(password), `password leaked: ${message}`);
            if ((err as { code?: string }).code === 'KeyExists') return (await backend.get('/r/b'))!;
            throw err;
          }
        });
        const c = await backend.update('/r/a', '3', a.modRevision);
        assert.deepEqual(await backend.get('/r/a'), c);
        const events = await log.until((e) => e.some((x) => x.kv.modRevision === c.modRevision), 10_000);
        assert.deepEqual(events.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`), [`create /r/b@${b.modRevision}`, `update /r/a@${c.modRevision}`]);
        handle.cancel();
      } finally {
        await backend.close();
        await db.drop();
      }
    });

    it('rejects a write while the database is down with an error that names it', async () => {
      const db = await server().database();
      const backend = await open(db.url);
      try {
        await backend.create('/d/a', '1');
        const restarted = server().restart(1500);
        await new Promise((r) => setTimeout(r, 500));
        await assert.rejects(backend.create('/d/b', '2'), (err: Error) => {
          assert.match(err.message, new RegExp(`${name}://`));
          assert.ok(!err.message.includes(password), err.message);
          return true;
        });
        await restarted;
        await retry(() => backend.create('/d/c', '3'));
        assert.equal(await backend.get('/d/b'), undefined, 'the failed write left nothing behind');
      } finally {
        await backend.close();
        await db.drop();
      }
    });

    it('survives a restart under 32 concurrent writers: each write is acked or fails with a code that says whether it applied', async () => {
      const db = await server().database();
      const backend = await open(db.url);
      try {
        const acked = new Set<string>();
        const codes = new Map<string, string>();
        let stop = false;
        let n = 0;
        const writer = async () => {
          while (!stop) {
            const key = `/w/k${n++}`;
            try {
              await backend.create(key, `v-${key}`);
              acked.add(key);
            } catch (err) {
              // The process must stay up and every failure must say what happened to the write.
              assert.ok(err instanceof StorageError, `not a StorageError: ${String(err)}`);
              codes.set(key, err.code);
              await new Promise((r) => setTimeout(r, 20));
            }
          }
        };
        const writers = Array.from({ length: 32 }, writer);
        await new Promise((r) => setTimeout(r, 300));
        await server().restart(500);
        await retry(() => backend.create('/w/after', 'x'));
        stop = true;
        await Promise.all(writers);
        const unexpected = [...codes.values()].filter((c) => c !== 'Unavailable' && c !== 'OutcomeUnknown');
        assert.deepEqual(unexpected, [], 'failures are Unavailable or OutcomeUnknown');
        const stored = new Map((await backend.list({ prefix: '/w/' })).items.map((kv) => [kv.key, kv.value]));
        for (const key of acked) assert.equal(stored.get(key), `v-${key}`, `acknowledged ${key} is there`);
        for (const [key, code] of codes) if (code === 'Unavailable') assert.equal(stored.has(key), false, `${key} failed as Unavailable (not applied) yet exists`);
      } finally {
        await backend.close();
        await db.drop();
      }
    });

    it('lets two servers share one database: one revision sequence, each sees the other\'s writes', async () => {
      const db = await server().database();
      const one = await open(db.url);
      const two = await open(db.url);
      try {
        const log = new EventLog();
        const handle = await two.watch({ prefix: '/s/', afterRevision: await two.currentRevision() }, log.listener);
        const writes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).create(`/s/k${i}`, String(i))));
        const revisions = writes.map((w) => w.modRevision).sort((x, y) => x - y);
        // One sequence, no gaps: the 40 writes took 40 consecutive revisions between them.
        assert.deepEqual(revisions, revisions.map((_, i) => revisions[0]! + i));
        await log.until((e) => e.length >= 40, 10_000);
        const seen = log.events.map((e) => e.kv.modRevision);
        assert.deepEqual(seen, revisions, 'every write once, in revision order');
        handle.cancel();
      } finally {
        await one.close();
        await two.close();
        await db.drop();
      }
    });

    it('says "authentication failed" for a wrong password, without showing either password', async () => {
      const db = await server().database();
      const wrong = db.url.replace(`:${password}@`, ':not-the-password@');
      const { message, ms } = await openFails(wrong);
      assert.match(message, /authentication failed/);
      assert.ok(!message.includes('not-the-password') && !message.includes(password), message);
      assert.ok(ms < 10_000, `took ${ms} ms`);
      await db.drop();
    });

    it('says it cannot reach an address where nothing listens, within 10 s', async () => {
      const db = await server().database({ create: false });
      const { message, ms } = await openFails(db.url.replace(`:${server().port}`, ':1'));
      assert.match(message, /cannot reach/);
      assert.ok(!message.includes(password), message);
      assert.ok(ms < 10_000, `took ${ms} ms`);
    });

    it('creates a missing database and its schema', async () => {
      const db = await server().database({ create: false });
      const backend: Backend = await open(db.url);
      try {
        const kv = await backend.create('/m/a', 'x');
        assert.equal((await backend.get('/m/a'))?.modRevision, kv.modRevision);
      } finally {
        await backend.close();
        await db.drop();
      }
    });
  });
}
