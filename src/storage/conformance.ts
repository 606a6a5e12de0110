// One black-box suite that every datastore runs: it sees only the Backend interface, so a backend that
// passes it can stand in for any other under the API server. Backend-specific behaviour (durability,
// files, group commit) is tested beside each backend instead.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StorageError, type Backend, type StorageErrorCode, type StorageEvent } from './backend.js';

export interface ConformanceSubject {
  backend: Backend;
  /** Closes the backend (if still open) and removes everything it stored. */
  dispose(): Promise<void>;
}

/** Returns a fresh, empty backend with automatic compaction off. */
export type BackendFactory = () => Promise<ConformanceSubject>;

async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError(${code}), got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected StorageError(${code}), but the call succeeded`);
}

/** Collects watch events and lets a test wait until a condition holds (or fail after a timeout). */
export class EventLog {
  readonly events: StorageEvent[] = [];
  private waiters: (() => void)[] = [];
  readonly listener = (batch: StorageEvent[]): void => {
    this.events.push(...batch);
    for (const wake of this.waiters.splice(0)) wake();
  };

  async until(done: (events: StorageEvent[]) => boolean, timeoutMs = 5000): Promise<StorageEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`watch condition not met; saw ${JSON.stringify(this.events.map(brief))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }
}

const brief = (e: StorageEvent) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`;

/**
 * Writes a marker key under the watched `prefix` and waits until `log` has its event, then returns the
 * events that arrived before it. A watch delivers in revision order, so anything the earlier writes
 * were going to deliver has arrived by then: "nothing else arrived" is checked without guessing how
 * long a loaded machine takes, which a fixed sleep would get wrong by passing too early.
 */
async function eventsBeforeSentinel(db: Backend, log: EventLog, prefix: string): Promise<StorageEvent[]> {
  const marker = await db.create(`${prefix}~sentinel`, '');
  const isMarker = (e: StorageEvent) => e.kv.key === marker.key && e.kv.modRevision === marker.modRevision;
  const events = await log.until((all) => all.some(isMarker));
  return events.slice(0, events.findIndex(isMarker));
}

export function runBackendConformance(name: string, factory: BackendFactory): void {
  describe(`${name}: Backend conformance`, () => {
    let subject: ConformanceSubject;
    let db: Backend;
    beforeEach(async () => {
      subject = await factory();
      db = subject.backend;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    describe('create / get', () => {
      it('assigns one new, increasing revision per write', async () => {
        const before = await db.currentRevision();
        const a = await db.create('/t/a', '{"n":1}');
        const b = await db.create('/t/b', '{"n":2}');
        assert.ok(a.modRevision > before);
        assert.equal(a.createRevision, a.modRevision);
        assert.ok(b.modRevision > a.modRevision);
        assert.equal(await db.currentRevision(), b.modRevision);
        assert.deepEqual(await db.get('/t/a'), { key: '/t/a', value: '{"n":1}', createRevision: a.modRevision, modRevision: a.modRevision });
        assert.equal(await db.get('/t/missing'), undefined);
      });

      it('refuses to create a live key and leaves it unchanged', async () => {
        const a = await db.create('/t/a', 'one');
        await rejectsWith(db.create('/t/a', 'two'), 'KeyExists');
        assert.equal((await db.get('/t/a'))?.value, 'one');
        assert.equal(await db.currentRevision(), a.modRevision);
      });

      it('stores values byte for byte, including non-ASCII and large text', async () => {
        const value = JSON.stringify({ s: 'ünïcødé ✓ 🚀', big: 'x'.repeat(200_000) });
        await db.create('/t/u', value);
        assert.equal((await db.get('/t/u'))?.value, value);
      });

      it('keeps quotes, backslashes and placeholders in keys and values as written', async () => {
        // SQL backends may send keys and values as literals; none of these may change meaning.
        const tricky = `it's \\ "q" \\' $1 ? %s E'x' '); COMMIT; --\n\ttab`;
        const key = `/t/q'\\$1?`;
        await db.create(key, tricky);
        const batch = await Promise.all([0, 1, 2].map((i) => db.create(`${key}${i}`, `${tricky}${i}`)));
        assert.equal((await db.get(key))?.value, tricky);
        for (const [i, kv] of batch.entries()) assert.equal((await db.get(`${key}${i}`))?.modRevision, kv.modRevision);
        const listed = await db.list({ prefix: '/t/q' });
        assert.deepEqual(listed.items.map((kv) => [kv.key, kv.value]), [[key, tricky], ...[0, 1, 2].map((i) => [`${key}${i}`, `${tricky}${i}`])]);
      });
    });

    describe('update', () => {
      it('compares and swaps on modRevision, keeping createRevision', async () => {
        const a = await db.create('/t/a', 'v1');
        const u = await db.update('/t/a', 'v2', a.modRevision);
        assert.ok(u.modRevision > a.modRevision);
        assert.equal(u.createRevision, a.createRevision);
        assert.deepEqual(await db.get('/t/a'), u);
      });

      it('reports Conflict with the current modRevision, and NotFound for a missing key', async () => {
        const a = await db.create('/t/a', 'v1');
        const u = await db.update('/t/a', 'v2', a.modRevision);
        const err = await rejectsWith(db.update('/t/a', 'stale', a.modRevision), 'Conflict');
        assert.equal(err.revision, u.modRevision);
        assert.equal((await db.get('/t/a'))?.value, 'v2');
        await rejectsWith(db.update('/t/none', 'x', 1), 'NotFound');
      });
    });

    describe('delete', () => {
      it('returns the last state at the delete revision and removes the key', async () => {
        const a = await db.create('/t/a', 'v1');
        const d = await db.delete('/t/a');
        assert.equal(d.key, '/t/a');
        assert.equal(d.value, 'v1');
        assert.equal(d.createRevision, a.createRevision);
        assert.ok(d.modRevision > a.modRevision);
        assert.equal(await db.currentRevision(), d.modRevision);
        assert.equal(await db.get('/t/a'), undefined);
        await rejectsWith(db.delete('/t/a'), 'NotFound');
        await rejectsWith(db.update('/t/a', 'x', d.modRevision), 'NotFound');
      });

      it('honours an expected revision', async () => {
        const a = await db.create('/t/a', 'v1');
        const u = await db.update('/t/a', 'v2', a.modRevision);
        const err = await rejectsWith(db.delete('/t/a', a.modRevision), 'Conflict');
        assert.equal(err.revision, u.modRevision);
        assert.ok(await db.get('/t/a'));
        await db.delete('/t/a', u.modRevision);
        assert.equal(await db.get('/t/a'), undefined);
      });

      it('lets a deleted key be created again as a new incarnation', async () => {
        await db.create('/t/a', 'v1');
        const d = await db.delete('/t/a');
        const again = await db.create('/t/a', 'v2');
        assert.ok(again.createRevision > d.modRevision);
        assert.equal(again.createRevision, again.modRevision);
        assert.equal((await db.get('/t/a'))?.value, 'v2');
      });
    });

    describe('list', () => {
      it('returns live keys under a prefix in key order, and nothing else', async () => {
        for (const key of ['/r/pods/b', '/r/pods/a', '/r/podsx/a', '/r/pod', '/r/pods/c']) await db.create(key, key);
        await db.delete('/r/pods/c');
        const res = await db.list({ prefix: '/r/pods/' });
        assert.deepEqual(res.items.map((i) => i.key), ['/r/pods/a', '/r/pods/b']);
        assert.equal(res.items[0]!.value, '/r/pods/a');
        assert.equal(res.revision, await db.currentRevision());
        assert.equal(res.more, false);
        assert.deepEqual((await db.list({ prefix: '' })).items.map((i) => i.key), ['/r/pod', '/r/pods/a', '/r/pods/b', '/r/podsx/a']);
      });

      it('pages with after + limit at one revision, unaffected by later writes', async () => {
        const keys = Array.from({ length: 7 }, (_, i) => `/p/k${i}`);
        for (const key of keys) await db.create(key, `${key}=1`);
        const page1 = await db.list({ prefix: '/p/', limit: 3 });
        assert.deepEqual(page1.items.map((i) => i.key), keys.slice(0, 3));
        assert.equal(page1.more, true);

        // Writes between pages must not show through at the snapshot revision.
        const k4 = (await db.get('/p/k4'))!;
        await db.update('/p/k4', '/p/k4=2', k4.modRevision);
        await db.delete('/p/k5');
        await db.create('/p/k3a', 'new');

        const page2 = await db.list({ prefix: '/p/', limit: 3, after: page1.items.at(-1)!.key, revision: page1.revision });
        assert.deepEqual(page2.items.map((i) => `${i.key}:${i.value}`), ['/p/k3:/p/k3=1', '/p/k4:/p/k4=1', '/p/k5:/p/k5=1']);
        assert.equal(page2.revision, page1.revision);
        assert.equal(page2.more, true);
        const page3 = await db.list({ prefix: '/p/', limit: 3, after: '/p/k5', revision: page1.revision });
        assert.deepEqual(page3.items.map((i) => i.key), ['/p/k6']);
        assert.equal(page3.more, false);

        const now = await db.list({ prefix: '/p/' });
        assert.deepEqual(now.items.map((i) => i.key), ['/p/k0', '/p/k1', '/p/k2', '/p/k3', '/p/k3a', '/p/k4', '/p/k6']);
        assert.equal(now.items.find((i) => i.key === '/p/k4')!.value, '/p/k4=2');
      });

      it('reads older revisions, including keys deleted since', async () => {
        const a = await db.create('/o/a', 'a1');
        const u = await db.update('/o/a', 'a2', a.modRevision);
        await db.delete('/o/a');
        assert.deepEqual((await db.list({ prefix: '/o/', revision: a.modRevision })).items, [a]);
        assert.deepEqual((await db.list({ prefix: '/o/', revision: u.modRevision })).items, [u]);
        assert.deepEqual((await db.list({ prefix: '/o/' })).items, []);
      });

      it('says more=false when the limit exactly fits', async () => {
        for (const key of ['/e/a', '/e/b']) await db.create(key, 'x');
        const res = await db.list({ prefix: '/e/', limit: 2 });
        assert.equal(res.items.length, 2);
        assert.equal(res.more, false);
      });
    });

    describe('watch', () => {
      it('delivers create, update and delete with prev values, in order', async () => {
        const start = await db.currentRevision();
        const log = new EventLog();
        const handle = await db.watch({ prefix: '/w/', afterRevision: start }, log.listener);
        const c = await db.create('/w/a', 'v1');
        await db.create('/other/x', 'ignored');
        const u = await db.update('/w/a', 'v2', c.modRevision);
        const d = await db.delete('/w/a');
        const events = await log.until((e) => e.length >= 3);
        assert.deepEqual(events, [
          { type: 'create', kv: c },
          { type: 'update', kv: u, prev: c },
          { type: 'delete', kv: d, prev: u },
        ]);
        handle.cancel();
      });

      it('replays history after a revision, then continues live without gaps or duplicates', async () => {
        const a = await db.create('/w/a', '1');
        const b = await db.create('/w/b', '1');
        const u = await db.update('/w/a', '2', a.modRevision);
        const log = new EventLog();
        const handle = await db.watch({ prefix: '/w/', afterRevision: a.modRevision }, log.listener);
        const c = await db.create('/w/c', '1');
        const events = await log.until((e) => e.length >= 3);
        assert.deepEqual(events.map(brief), [
          `create /w/b@${b.modRevision}`,
          `update /w/a@${u.modRevision}`,
          `create /w/c@${c.modRevision}`,
        ]);
        assert.deepEqual(events[1]!.prev, a);
        handle.cancel();
      });

      it('misses nothing when writes race with watch setup', async () => {
        const start = await db.currentRevision();
        const writes: Promise<unknown>[] = [];
        for (let i = 0; i < 50; i++) writes.push(db.create(`/race/k${i}`, 'x'));
        const log = new EventLog();
        const handleP = db.watch({ prefix: '/race/', afterRevision: start }, log.listener);
        for (let i = 50; i < 100; i++) writes.push(db.create(`/race/k${i}`, 'x'));
        await Promise.all(writes);
        const handle = await handleP;
        for (let i = 100; i < 120; i++) writes.push(db.create(`/race/k${i}`, 'x'));
        await Promise.all(writes);
        await log.until((e) => e.length >= 120);
        const events = await eventsBeforeSentinel(db, log, '/race/');
        assert.equal(events.length, 120, 'no duplicates');
        const revisions = log.events.map((e) => e.kv.modRevision);
        assert.ok(revisions.every((r, i) => i === 0 || r > revisions[i - 1]!), `in revision order, none repeated: ${revisions.join()}`);
        assert.equal(new Set(events.map((e) => e.kv.key)).size, 120);
        handle.cancel();
      });

      it('starts after the given revision and stops when cancelled', async () => {
        await db.create('/w/old', '1');
        const log = new EventLog();
        const from = await db.currentRevision();
        const handle = await db.watch({ prefix: '/w/', afterRevision: from }, log.listener);
        // A cancelled watch cannot see a sentinel, so a second one on the same prefix stands in for it:
        // once that has the marker, the write made after the cancel has been delivered wherever it would go.
        const control = new EventLog();
        const controlHandle = await db.watch({ prefix: '/w/', afterRevision: from }, control.listener);
        const n = await db.create('/w/new', '1');
        await log.until((e) => e.length >= 1);
        handle.cancel();
        const late = await db.create('/w/after-cancel', '1');
        const seenByControl = await eventsBeforeSentinel(db, control, '/w/');
        assert.deepEqual(seenByControl.map(brief), [`create /w/new@${n.modRevision}`, `create /w/after-cancel@${late.modRevision}`]);
        assert.deepEqual(log.events.map(brief), [`create /w/new@${n.modRevision}`]);
        controlHandle.cancel();
      });

      it('delivers a batch only to watchers of a matching prefix', async () => {
        const start = await db.currentRevision();
        const pods = new EventLog();
        const all = new EventLog();
        const h1 = await db.watch({ prefix: '/r/pods/', afterRevision: start }, pods.listener);
        const h2 = await db.watch({ prefix: '', afterRevision: start }, all.listener);
        await Promise.all([db.create('/r/pods/a', '1'), db.create('/r/nodes/a', '1'), db.create('/r/podsx', '1')]);
        await all.until((e) => e.length >= 3);
        assert.deepEqual((await eventsBeforeSentinel(db, pods, '/r/pods/')).map((e) => e.kv.key), ['/r/pods/a']);
        h1.cancel();
        h2.cancel();
      });
    });

    describe('compaction', () => {
      it('keeps current state, and rejects older list and watch revisions with Compacted', async () => {
        const a = await db.create('/c/a', '1');
        const b = await db.create('/c/b', '1');
        let last = a;
        for (let i = 2; i <= 5; i++) last = await db.update('/c/a', String(i), last.modRevision);
        await db.delete('/c/b');
        await db.create('/c/gone', '1');
        await db.delete('/c/gone');
        const target = last.modRevision;
        await db.compact(target);
        assert.equal(await db.compactedRevision(), target);

        const listErr = await rejectsWith(db.list({ prefix: '/c/', revision: b.modRevision }), 'Compacted');
        assert.equal(listErr.revision, target);
        const watchErr = await rejectsWith(db.watch({ prefix: '/c/', afterRevision: target - 1 }, () => {}), 'Compacted');
        assert.equal(watchErr.revision, target);

        assert.deepEqual((await db.list({ prefix: '/c/' })).items, [last]);
        // At the compacted revision itself, /c/b (deleted later) is still visible.
        assert.deepEqual((await db.list({ prefix: '/c/', revision: target })).items, [last, b]);
        assert.deepEqual(await db.get('/c/a'), last);

        // Everything after the compacted revision is still replayable, prev values included.
        const log = new EventLog();
        const handle = await db.watch({ prefix: '/c/', afterRevision: target }, log.listener);
        await log.until((e) => e.length >= 3);
        assert.deepEqual(log.events.map((e) => `${e.type} ${e.kv.key}`), ['delete /c/b', 'create /c/gone', 'delete /c/gone']);
        assert.deepEqual(log.events[0]!.prev, b);
        handle.cancel();

        const u = await db.update('/c/a', 'after', last.modRevision);
        assert.ok(u.modRevision > (await db.compactedRevision()));
      });

      it('never reuses a revision after compacting everything away', async () => {
        const a = await db.create('/c/x', '1');
        const d = await db.delete('/c/x');
        await db.compact(d.modRevision);
        assert.deepEqual((await db.list({ prefix: '' })).items, []);
        const again = await db.create('/c/x', '2');
        assert.ok(again.modRevision > d.modRevision && d.modRevision > a.modRevision);
      });
    });

    describe('concurrency', () => {
      it('gives concurrent writers distinct revisions and fails only the conflicting ones', async () => {
        const base = await db.create('/k/shared', '0');
        // Settled, not awaited one by one: a networked backend may settle a loser first, and an
        // unhandled rejection would fail the test for the wrong reason.
        const creates = Promise.allSettled(Array.from({ length: 64 }, (_, i) => db.create(`/k/${i}`, String(i))));
        // A second create of /k/7 races the first; over a network either may arrive first, so
        // exactly one of the two wins and the other is KeyExists.
        const dup = Promise.allSettled([db.create('/k/7', 'duplicate')]);
        const racers = Promise.allSettled(Array.from({ length: 5 }, (_, i) => db.update('/k/shared', `racer${i}`, base.modRevision)));
        const created = await creates;
        const [second] = await dup;
        const results = await racers;
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one CAS wins');
        for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as StorageError).code, 'Conflict');
        const pair = [created[7]!, second!];
        assert.equal(pair.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one create of /k/7 wins');
        for (const r of [...created, second!]) if (r.status === 'rejected') assert.equal((r.reason as StorageError).code, 'KeyExists');
        const winners = [...created, second!].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        assert.equal(new Set(winners.map((kv) => kv.modRevision)).size, 64, 'one distinct revision per successful create');
        assert.equal((await db.get('/k/7'))?.value, pair[0]!.status === 'fulfilled' ? '7' : 'duplicate');
        assert.equal((await db.list({ prefix: '/k/' })).items.length, 65);
      });
    });
  });
}
