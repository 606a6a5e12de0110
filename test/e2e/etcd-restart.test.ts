// One `k3ts server` on an external etcd, etcd stopped for 4 s and started again under 16 writers; the
// checks are in datastore-restart-under-load.ts, and the leader logs why its controllers stopped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess } from '../durability/k3ts-process.js';
import { etcdSkipReason, TestEtcd } from '../../src/storage/etcd/test-etcd.js';
import { restartUnderLoad } from './datastore-restart-under-load.js';

describe('one server on an external etcd, etcd restarted under load', { skip: etcdSkipReason(), timeout: 60_000 }, () => {
  let etcd: TestEtcd;
  let root: string;
  let server: K3tsProcess;
  const closers: Array<() => unknown> = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-etcd-restart-'));
    etcd = await TestEtcd.start();
    // A renew deadline (3 s) shorter than the outage (4 s): the leader has to stop its controllers.
    const leaderFlags = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'];
    server = await K3tsProcess.start({ root, extraArgs: ['--datastore-endpoint', etcd.endpoint, '--token', 'etcd-restart-7d1f', ...leaderFlags], readyTimeoutMs: 30_000 });
  });

  after(async () => {
    for (const close of closers) await close();
    await server?.stop();
    await etcd?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('acked creates kept whole, ServerTimeout with Retry-After while etcd is down, recovery within 10 s, the watch carries on', async () => {
    await restartUnderLoad(server, { name: 'etcd', stop: () => etcd.kill(), start: () => etcd.launch() }, 4000, closers);
    // The leader said once why its controllers stopped, and that it leads again.
    const lines = server.log.split('\n');
    const stoppedAt = lines.findIndex((l) => /WARN +stopped leading kube-controller-manager: could not renew the lease within the renew deadline \(3 s\)/.test(l));
    assert.ok(stoppedAt >= 0, `the stop is logged:\n${server.log.slice(-3000)}`);
    assert.equal(lines.filter((l) => l.includes('stopped leading kube-controller-manager')).length, 1, 'said once');
    assert.ok(lines.slice(stoppedAt).some((l) => /INFO +leading kube-controller-manager/.test(l)), 'leading again is logged');
  });
});
