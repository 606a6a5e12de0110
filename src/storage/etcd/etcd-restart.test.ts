// An etcd restart under 32 writers at the Backend level: every acknowledged create is there with its
// data, every failure says whether it applied (Unavailable: surely not, and indeed absent;
// OutcomeUnknown: maybe), the backend works again once etcd is back, and a watch opened before the
// restart delivers the writes made after it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError, type StorageEvent } from '../backend.js';
import { EtcdBackend } from './etcd-backend.js';
import { EtcdError } from './etcd-client.js';
import { readFailure, writeFailure } from './failure.js';
import { etcdSkipReason, TestEtcd } from './test-etcd.js';

describe('etcd: failures in the Backend\'s terms', () => {
  const code = (err: unknown) => (err instanceof StorageError ? err.code : 'passed through');
  it('calls a write Unavailable only when the transport never opened a stream for it', () => {
    const notSent = [
      ['UNAVAILABLE', 'no connection: connect ECONNREFUSED 127.0.0.1:2379'],
      ['UNAVAILABLE', 'Stream refused by server'],
      ['DEADLINE_EXCEEDED', 'Deadline exceeded after 3000 ms waiting for a connection'],
    ] as const;
    for (const [c, d] of notSent) assert.equal(code(writeFailure(new EtcdError(c, d, 'http://e:2379', true))), 'Unavailable', d);
    const maybeSent = [
      ['UNAVAILABLE', 'Connection dropped'],
      ['UNAVAILABLE', 'read ECONNRESET'],
      ['UNAVAILABLE', 'etcdserver: request timed out'],
      ['DEADLINE_EXCEEDED', 'Deadline exceeded after 3000 ms'],
      ['UNAVAILABLE', 'stream reset by the member (HTTP/2 code 2)'],
    ] as const;
    for (const [c, d] of maybeSent) {
      assert.equal(code(writeFailure(new EtcdError(c, d, 'http://e:2379', false))), 'OutcomeUnknown', d);
      assert.equal(code(readFailure(new EtcdError(c, d, 'http://e:2379', false))), 'Unavailable', d);
    }
    // etcd's own answers are not about reachability.
    assert.equal(code(writeFailure(new EtcdError('INVALID_ARGUMENT', 'etcdserver: duplicate key given in txn request', 'http://e:2379', false))), 'passed through');
    assert.equal(code(readFailure(new EtcdError('OUT_OF_RANGE', 'etcdserver: mvcc: required revision has been compacted', 'http://e:2379', false))), 'passed through');
  });
});

describe('etcd: restart under load', { skip: etcdSkipReason() }, () => {
  let etcd: TestEtcd;
  before(async () => {
    etcd = await TestEtcd.start();
  });
  after(async () => {
    await etcd?.stop();
  });

  it('survives an etcd restart under 32 writers: acked writes kept exactly, failures say whether they applied, a watch carries on', async () => {
    const backend = await EtcdBackend.open({ endpoints: etcd.endpoint, callTimeoutMs: 3000, autoCompaction: { intervalMs: 0 } });
    try {
      const seen = new Map<string, string>();
      const watch = await backend.watch({ prefix: '/w/', afterRevision: await backend.currentRevision() }, (events: StorageEvent[]) => {
        for (const e of events) seen.set(e.kv.key, e.kv.value);
      });
      const acked = new Set<string>();
      const failures = new Map<string, string>();
      let down = false;
      const failuresWhileDown: string[] = [];
      const cutInFlight: string[] = [];
      let stop = false;
      let n = 0;
      const writer = async () => {
        while (!stop) {
          const key = `/w/k${n++}`;
          const startedDown = down;
          try {
            await backend.create(key, `v-${key}`);
            acked.add(key);
          } catch (err) {
            assert.ok(err instanceof StorageError, `not a StorageError: ${String((err as Error)?.stack ?? err)}`);
            failures.set(key, err.code);
            if (startedDown) failuresWhileDown.push(err.code);
            else if (err.code === 'OutcomeUnknown') cutInFlight.push(err.message);
            await sleep(20);
          }
        }
      };
      const writers = Array.from({ length: 32 }, writer);
      await sleep(400);
      await etcd.kill();
      down = true;
      await sleep(1500);
      down = false;
      await etcd.launch();
      const back = Date.now();
      for (;;) {
        try {
          await backend.create('/w/after', 'after');
          break;
        } catch (err) {
          assert.ok(err instanceof StorageError && (err.code === 'Unavailable' || err.code === 'OutcomeUnknown'), String(err));
          assert.ok(Date.now() - back < 10_000, 'writes work again within 10 s of etcd being back');
          await sleep(100);
        }
      }
      stop = true;
      await Promise.all(writers);

      assert.ok(acked.size > 0, 'some writes were acknowledged');
      assert.ok(failuresWhileDown.length > 0, 'writes failed while etcd was down');
      assert.deepEqual([...new Set(failuresWhileDown)], ['Unavailable'], 'a write started while etcd is down never leaves the process: it fails as Unavailable');
      if (cutInFlight.length > 0) console.log(`in flight when etcd stopped, may have applied: ${cutInFlight.length}, e.g. ${cutInFlight[0]}`);
      const unexpected = [...failures.values()].filter((c) => c !== 'Unavailable' && c !== 'OutcomeUnknown');
      assert.deepEqual(unexpected, [], 'failures are Unavailable or OutcomeUnknown');
      const stored = new Map((await backend.list({ prefix: '/w/' })).items.map((kv) => [kv.key, kv.value]));
      for (const key of acked) assert.equal(stored.get(key), `v-${key}`, `acknowledged ${key} is there with its data`);
      for (const [key, c] of failures) if (c === 'Unavailable') assert.equal(stored.has(key), false, `${key} failed as Unavailable (not applied) yet exists`);
      // The watch resumed after the restart: it delivers the first write made once etcd was back.
      const deadline = Date.now() + 10_000;
      while (!seen.has('/w/after') && Date.now() < deadline) await sleep(50);
      assert.equal(seen.get('/w/after'), 'after', 'the watch opened before the restart sees a write after it');
      for (const key of acked) assert.equal(seen.get(key), `v-${key}`, `the watch delivered acknowledged ${key}`);
      watch.cancel();
    } finally {
      await backend.close();
    }
  });
});
