// A watch cut off from etcd while another client writes and compacts past the point it must resume
// from: when the connection is back, etcd answers the resumed watch "compacted", and the watch ends
// through its onError (StorageError 'Compacted') after the events it had delivered — the signal the
// API server turns into a 410 for its watchers — rather than going quiet. The cut is a TCP relay in
// front of a real etcd that drops its connections and refuses new ones.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StorageError, StorageEvent } from '../backend.js';
import { EtcdBackend } from './etcd-backend.js';
import { etcdSkipReason, TestEtcd } from './test-etcd.js';

/** Relays 127.0.0.1:<port> to etcd; cut() drops every connection and refuses new ones until mend(). */
class Relay {
  private readonly sockets = new Set<Socket>();
  private blocked = false;

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(target: number): Promise<Relay> {
    let relay: Relay | undefined;
    const server = createServer((client) => relay!.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay = new Relay(server, (server.address() as { port: number }).port);
    return relay;
  }

  private accept(client: Socket, target: number): void {
    if (this.blocked) return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  cut(): void {
    this.blocked = true;
    for (const s of this.sockets) s.destroy();
  }

  mend(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('etcd: a watch whose resume point was compacted while it was cut off', { skip: etcdSkipReason() }, () => {
  let etcd: TestEtcd;
  before(async () => {
    etcd = await TestEtcd.start();
  });
  after(async () => {
    await etcd?.stop();
  });

  it('ends through onError with Compacted after the events it delivered, on the shared stream and on its own', async () => {
    const relay = await Relay.start(etcd.clientPort);
    const cutOff = await EtcdBackend.open({ endpoints: `http://127.0.0.1:${relay.port}`, callTimeoutMs: 3000, autoCompaction: { intervalMs: 0 } });
    const direct = await EtcdBackend.open({ endpoints: etcd.endpoint, callTimeoutMs: 3000, autoCompaction: { intervalMs: 0 } });
    // The watch says it lost etcd and stopped; that is expected here.
    const warn = process.emitWarning;
    process.emitWarning = () => undefined;
    try {
      const seen: string[] = [];
      const ended: StorageError[] = [];
      const older = await direct.currentRevision();
      await direct.create('/cw/0', '1');
      // The first watch starts the backend's shared stream at the current revision; one from an older
      // revision than that stream has seen gets a stream of its own.
      const watch = await cutOff.watch({ prefix: '/cw/', afterRevision: await cutOff.currentRevision(), onError: (err) => ended.push(err) }, (events: StorageEvent[]) => {
        seen.push(...events.map((e) => `${e.type} ${e.kv.key}`));
      });
      const ownSeen: string[] = [];
      const ownEnded: StorageError[] = [];
      const own = await cutOff.watch({ prefix: '/cw/', afterRevision: older, onError: (err) => ownEnded.push(err) }, (events: StorageEvent[]) => {
        ownSeen.push(...events.map((e) => `${e.type} ${e.kv.key}`));
      });
      await direct.create('/cw/a', '1');
      for (let t = Date.now(); !seen.includes('create /cw/a') || !ownSeen.includes('create /cw/a'); await sleep(20)) assert.ok(Date.now() - t < 5000, 'the watches deliver while connected');

      relay.cut();
      // While it is away: a key comes and goes, and history up to now is compacted, tombstone and all.
      const b = await direct.create('/cw/b', '1');
      const gone = await direct.delete('/cw/b', b.modRevision);
      await direct.compact(gone.modRevision);
      relay.mend();

      for (let t = Date.now(); ended.length === 0 || ownEnded.length === 0; await sleep(50)) assert.ok(Date.now() - t < 15_000, 'the watches ended within 15 s of etcd being reachable again');
      for (const errs of [ended, ownEnded]) {
        assert.equal(errs.length, 1);
        assert.equal(errs[0]!.code, 'Compacted');
        assert.equal(errs[0]!.revision, gone.modRevision, 'it names the compacted revision');
      }
      assert.deepEqual(seen, ['create /cw/a'], 'nothing after the lost history was delivered');
      assert.deepEqual(ownSeen, ['create /cw/0', 'create /cw/a'], 'the own stream replayed, then nothing after the lost history');
      // Later writes reach neither, and cancelling an ended watch is harmless.
      await direct.create('/cw/c', '1');
      await sleep(200);
      assert.deepEqual(seen, ['create /cw/a']);
      assert.equal(ownSeen.length, 2);
      watch.cancel();
      own.cancel();
    } finally {
      process.emitWarning = warn;
      await cutOff.close();
      await direct.close();
      await relay.close();
    }
  });
});
