// The shared conformance suite against a real etcd (one per file, each test in its own key prefix),
// then what only a networked store has: endpoint parsing, failing fast on a dead endpoint, failover
// across members, and surviving an etcd restart under live watches.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { EventLog, runBackendConformance } from '../conformance.js';
import { checkEndpoint, openBackend } from '../open.js';
import { parseEtcdEndpoints } from './endpoints.js';
import { EtcdBackend, type EtcdBackendOptions } from './etcd-backend.js';
import { oneLine } from './etcd-client.js';
import { KeySpace } from './key-space.js';
import { throttledWarning } from './throttled-warning.js';
import { etcdSkipReason, freePort, TestEtcd } from './test-etcd.js';

describe('etcd: endpoints', () => {
  it('parses K3s-style client URL lists', () => {
    assert.deepEqual(
      parseEtcdEndpoints('https://10.0.0.1:2379, http://etcd-2.example:12379,https://[fd00::1]').map((e) => [e.url, e.address, e.hostname, e.tls]),
      [
        ['https://10.0.0.1:2379', '10.0.0.1:2379', '10.0.0.1', true],
        ['http://etcd-2.example:12379', 'etcd-2.example:12379', 'etcd-2.example', false],
        ['https://[fd00::1]:2379', '[fd00::1]:2379', 'fd00::1', true],
      ],
    );
  });

  it('refuses paths and credentials without repeating the secret', () => {
    assert.throws(() => parseEtcdEndpoints('http://127.0.0.1:2379/prefix'), /no path or query/);
    assert.throws(() => parseEtcdEndpoints('http://127.0.0.1:2379,ftp://x:1'), /ftp:\/\/x:1: scheme must be http or https/);
    assert.throws(() => checkEndpoint('https://root:hunter2@10.0.0.1:2379'), (err: Error) => {
      assert.match(err.message, /https:\/\/10\.0\.0\.1:2379: user names and passwords in the URL are not supported/);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    });
    assert.doesNotThrow(() => checkEndpoint('http://127.0.0.1:2379,http://127.0.0.2:2379'));
  });

  it('maps key prefixes to etcd ranges', () => {
    const root = new KeySpace('');
    assert.deepEqual(root.range(''), { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
    assert.deepEqual(root.range('/a/'), { key: Buffer.from('/a/'), rangeEnd: Buffer.from('/a0') });
    assert.deepEqual(root.range('/a/', '/a/x'), { key: Buffer.from('/a/x\0'), rangeEnd: Buffer.from('/a0') });
    assert.equal(root.range('/a/', '/b'), undefined);
    const scoped = new KeySpace('/c1');
    assert.deepEqual(scoped.range(''), { key: Buffer.from('/c1'), rangeEnd: Buffer.from('/c2') });
    assert.equal(scoped.decode(scoped.encode('/registry/x')), '/registry/x');
  });
});

describe('etcd: messages', () => {
  it('reduces a TLS failure to one line with its reason', () => {
    assert.equal(
      oneLine('C0B7:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 42\n'),
      'TLS handshake failed: sslv3 alert bad certificate',
    );
    assert.equal(oneLine('no connection:\n  connect ECONNREFUSED 127.0.0.1:1 '), 'no connection: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('throttles a burst of identical warnings to one, counting the rest', () => {
    const out: string[] = [];
    const warn = throttledWarning(60_000, (m) => out.push(m));
    for (let i = 0; i < 100; i++) warn('lost', `watch ${i} lost`);
    warn('resumed', 'watch 0 resumed');
    assert.deepEqual(out, ['watch 0 lost', 'watch 0 resumed']);
  });
});

describe('etcd: unreachable endpoint', () => {
  it('fails at open with one line naming the endpoint, within the connect timeout', async () => {
    const port = await freePort();
    const start = Date.now();
    await assert.rejects(EtcdBackend.open({ endpoints: `http://127.0.0.1:${port}`, connectTimeoutMs: 1500 }), (err: Error) => {
      assert.match(err.message, new RegExp(`^cannot reach etcd at http://127\\.0\\.0\\.1:${port} within 2 s: .+`));
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
    const ms = Date.now() - start;
    assert.ok(ms >= 1400 && ms < 4000, `failed after ${ms} ms`);
  });

  it('names a missing TLS file before connecting', async () => {
    await assert.rejects(
      openBackend('https://127.0.0.1:1', { tls: { caFile: '/nonexistent/ca.crt' } }),
      /cannot read the datastore CA file \/nonexistent\/ca\.crt: ENOENT/,
    );
  });
});

const skip = etcdSkipReason();
if (skip) {
  it('etcd backend against a real etcd', { skip });
} else {
  const etcd = await TestEtcd.start();
  after(() => etcd.stop());
  const open = (opts: Partial<EtcdBackendOptions> = {}) =>
    EtcdBackend.open({ endpoints: etcd.endpoint, keyPrefix: `/t-${randomBytes(4).toString('hex')}`, autoCompaction: { intervalMs: 0 }, ...opts });

  // Each subject gets a fresh prefix in the shared etcd, which is removed with its data dir at the end.
  runBackendConformance('etcd', async () => {
    const backend = await open();
    return { backend, dispose: () => backend.close() };
  });

  describe('etcd: opening', () => {
    it('opens from http:// through openBackend, with the key prefix isolating clusters', async () => {
      const a = await openBackend(etcd.endpoint, { keyPrefix: '/cluster-a', autoCompaction: { intervalMs: 0 } });
      const b = await openBackend(etcd.endpoint, { keyPrefix: '/cluster-b', autoCompaction: { intervalMs: 0 } });
      try {
        assert.equal(a.name, 'etcd');
        await a.create('/registry/x', 'a');
        await b.create('/registry/x', 'b');
        assert.deepEqual((await a.list({ prefix: '' })).items.map((kv) => kv.value), ['a']);
        assert.equal((await b.get('/registry/x'))?.value, 'b');
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('skips a dead member of the endpoint list', async () => {
      const dead = `http://127.0.0.1:${await freePort()}`;
      const backend = await open({ endpoints: `${dead},${etcd.endpoint}`, connectTimeoutMs: 3000 });
      try {
        const kv = await backend.create('/f/a', '1');
        assert.deepEqual(await backend.get('/f/a'), kv);
      } finally {
        await backend.close();
      }
    });
  });

  describe('etcd: one shared watch', () => {
    /** Watchers etcd holds right now, from its own metrics. */
    const etcdWatchers = async () => {
      const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
      return Number(/^etcd_debugging_mvcc_watcher_total (\d+)/m.exec(text)![1]);
    };

    it('serves many watches from one etcd watcher, replaying recent events to late ones, and gives older ones a stream of their own', async () => {
      const backend = await open();
      try {
        const before = await etcdWatchers();
        const old = await backend.create('/s/old', '0');
        const start = await backend.currentRevision();
        const logs = Array.from({ length: 20 }, () => new EventLog());
        const handles = await Promise.all(logs.map((log, i) => backend.watch({ prefix: i % 2 ? '/s/' : '/s/a', afterRevision: start }, log.listener)));
        assert.equal(await etcdWatchers(), before + 1, 'twenty watches, one etcd watcher');

        const a = await backend.create('/s/a', '1');
        const b = await backend.create('/s/b', '1');
        for (const [i, log] of logs.entries()) {
          const want = i % 2 ? [a, b] : [a];
          const got = await log.until((e) => e.length >= want.length);
          assert.deepEqual(got.map((e) => e.kv), want, `watch ${i} sees exactly its prefix`);
        }

        // Starting behind the shared watch, but after it began: the backlog comes from what it kept.
        const late = new EventLog();
        const lateHandle = await backend.watch({ prefix: '/s/', afterRevision: start }, late.listener);
        assert.equal(await etcdWatchers(), before + 1, 'a late watch joins the shared one');
        const c = await backend.update('/s/a', '2', a.modRevision);
        const lateEvents = await late.until((e) => e.length >= 3);
        assert.deepEqual(lateEvents.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`), [
          `create /s/a@${a.modRevision}`, `create /s/b@${b.modRevision}`, `update /s/a@${c.modRevision}`,
        ]);
        assert.deepEqual(lateEvents[2]!.prev, a);

        // From before the shared watch began: etcd replays it on a stream of its own.
        const older = new EventLog();
        const olderHandle = await backend.watch({ prefix: '/s/', afterRevision: old.modRevision - 1 }, older.listener);
        assert.equal(await etcdWatchers(), before + 2);
        const olderEvents = await older.until((e) => e.length >= 4);
        assert.deepEqual(olderEvents.map((e) => e.kv.modRevision), [old.modRevision, a.modRevision, b.modRevision, c.modRevision]);

        for (const h of [...handles, lateHandle, olderHandle]) h.cancel();
      } finally {
        await backend.close();
      }
      const deadline = Date.now() + 5000;
      while ((await etcdWatchers()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    });
  });

  describe('etcd: restart under the backend', () => {
    it('fails calls while etcd is down, then reads, writes and resumes watches without gaps', async () => {
      const backend = await open({ callTimeoutMs: 2000 });
      try {
        const start = await backend.currentRevision();
        const log = new EventLog();
        const handle = await backend.watch({ prefix: '/r/', afterRevision: start }, log.listener);
        const a = await backend.create('/r/a', '1');
        await log.until((e) => e.length >= 1);

        await etcd.kill();
        const t0 = Date.now();
        await assert.rejects(backend.create('/r/b', 'while down'));
        assert.ok(Date.now() - t0 < 3000, 'a call to a dead etcd fails within its timeout');

        await etcd.launch();
        // The channel reconnects with backoff; the first calls after the restart may still fail.
        const deadline = Date.now() + 10_000;
        let u;
        for (;;) {
          try {
            u = await backend.update('/r/a', '2', a.modRevision);
            break;
          } catch (err) {
            if (Date.now() > deadline) throw err;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
        const c = await backend.create('/r/c', '1');
        const events = await log.until((e) => e.length >= 3, 10_000);
        assert.deepEqual(events.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`), [
          `create /r/a@${a.modRevision}`,
          `update /r/a@${u.modRevision}`,
          `create /r/c@${c.modRevision}`,
        ]);
        assert.deepEqual(events[1]!.prev, a);
        assert.ok(!(await backend.get('/r/b')), 'the write that failed did not happen');
        handle.cancel();
      } finally {
        await backend.close();
      }
    });
  });
}
