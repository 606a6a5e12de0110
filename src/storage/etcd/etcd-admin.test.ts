// EtcdAdmin against a real etcd, checked with etcdctl where it can say the same: member IDs as exact
// 64-bit decimals both ways (etcd's random IDs are above 2^53, where a double would round them), and
// a snapshot that etcdctl can restore, written into a slow file without piling up in memory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { EtcdAdmin } from './etcd-admin.js';
import { EtcdBackend } from './etcd-backend.js';
import { EtcdError } from './etcd-client.js';
import { etcdSkipReason, TestEtcd } from './test-etcd.js';

const etcdctl = (endpoint: string, ...args: string[]) => {
  const r = spawnSync('etcdctl', ['--endpoints', endpoint, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  assert.equal(r.status, 0, `etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
/** etcdctl's simple output prints member IDs in hex, which needs no 64-bit-safe JSON parsing. */
const idsByEtcdctl = (endpoint: string) =>
  new Set(etcdctl(endpoint, 'member', 'list', '-w', 'simple').trim().split('\n').map((line) => BigInt(`0x${line.split(',')[0]!.trim()}`).toString()));

describe('etcd admin', { skip: etcdSkipReason() ?? (spawnSync('sh', ['-c', 'command -v etcdctl']).status !== 0 ? 'etcdctl is not installed' : undefined) }, () => {
  let etcd: TestEtcd;
  let admin: EtcdAdmin;
  before(async () => {
    etcd = await TestEtcd.start();
    admin = new EtcdAdmin(etcd.endpoint, {}, 5_000);
  });
  after(async () => {
    admin?.close();
    await etcd?.stop();
  });

  it('lists, adds, promotes and removes members by their exact 64-bit IDs', async () => {
    const [self] = await admin.memberList();
    assert.ok(self);
    assert.match(self.ID, /^\d+$/);
    assert.deepEqual(new Set([self.ID]), idsByEtcdctl(etcd.endpoint));
    const status = await admin.status();
    assert.equal(status.memberId, self.ID, 'Status names the member that answered with the ID MemberList gives');
    assert.equal(status.leader, self.ID);
    assert.equal(status.isLearner, false);
    assert.match(status.version, /^3\./);
    assert.match(status.dbSize, /^[1-9]\d*$/);

    const added = await admin.addLearner('http://127.0.0.1:1');
    assert.equal(added.member.isLearner, true);
    assert.deepEqual(added.member.peerURLs, ['http://127.0.0.1:1']);
    assert.deepEqual(new Set(added.members.map((m) => m.ID)), idsByEtcdctl(etcd.endpoint));
    assert.ok(added.members.some((m) => m.ID === added.member.ID));
    // A learner that never started is not in sync: etcd refuses to promote it by that reason, not
    // "member not found", so the ID reached etcd intact.
    await assert.rejects(admin.promote(added.member.ID), (err: EtcdError) => {
      assert.ok(err instanceof EtcdError);
      assert.match(err.details, /learner/);
      assert.doesNotMatch(err.details, /not found/);
      return true;
    });
    const left = await admin.remove(added.member.ID);
    assert.deepEqual(left.map((m) => m.ID), [self.ID]);
    assert.deepEqual(idsByEtcdctl(etcd.endpoint), new Set([self.ID]));
    await assert.rejects(admin.remove(added.member.ID), /member not found/);
    await assert.rejects(admin.remove('18446744073709551616'), /not a decimal uint64/);
  });

  it('writes a snapshot etcdctl restores, pausing etcd while the file is slow', async () => {
    const backend = await EtcdBackend.open({ endpoints: etcd.endpoint, autoCompaction: { intervalMs: 0 } });
    try {
      const value = 'x'.repeat(16 * 1024);
      for (let i = 0; i < 256; i += 32) await Promise.all(Array.from({ length: 32 }, (_, j) => backend.create(`/snap/k${i + j}`, value)));
    } finally {
      await backend.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-snapshot-'));
    try {
      const file = createWriteStream(join(dir, 'db'));
      // A disk far slower than etcd: each 32 KiB chunk waits 2 ms before it reaches the file.
      let maxBuffered = 0;
      let drains = 0;
      const slow = new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _enc, done) {
          maxBuffered = Math.max(maxBuffered, this.writableLength);
          setTimeout(() => file.write(chunk, done), 2);
        },
        final(done) {
          file.end(done);
        },
      });
      slow.on('drain', () => drains++);
      const size = await admin.snapshot(slow);
      assert.equal(size, statSync(join(dir, 'db')).size, 'the size resolved is the bytes on disk');
      assert.ok(size > 4 * 1024 * 1024, `the database holds the 4 MiB written (${size} bytes)`);
      assert.ok(drains > 10, `the copy waited for the file (${drains} drains)`);
      assert.ok(maxBuffered < 256 * 1024, `at most a few chunks wait in memory, not the database (${maxBuffered} bytes)`);
      // restore checks the sha256 etcd appends, so a lost or reordered chunk fails it.
      etcdctl(etcd.endpoint, 'snapshot', 'restore', join(dir, 'db'), '--data-dir', join(dir, 'restored'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a snapshot when the member is gone, and closes the file', async () => {
    const dead = new EtcdAdmin('http://127.0.0.1:1', {}, 1_000);
    try {
      const out = new Writable({ write: (_c, _e, done) => done() });
      await assert.rejects(dead.snapshot(out), (err: EtcdError) => err instanceof EtcdError && err.code === 'UNAVAILABLE' && err.notSent);
      assert.equal(out.destroyed, true);
    } finally {
      dead.close();
    }
  });
});
