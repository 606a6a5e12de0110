// One `k3ts server` on an external etcd, etcd stopped for 2 s and started again under 16 writers; the
// checks are in datastore-restart-under-load.ts.
import { after, before, describe, it } from 'node:test';
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
    server = await K3tsProcess.start({ root, extraArgs: ['--datastore-endpoint', etcd.endpoint, '--token', 'etcd-restart-7d1f'], readyTimeoutMs: 30_000 });
  });

  after(async () => {
    for (const close of closers) await close();
    await server?.stop();
    await etcd?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('acked creates kept whole, ServerTimeout with Retry-After while etcd is down, recovery within 10 s, the watch carries on', () =>
    restartUnderLoad(server, { name: 'etcd', stop: () => etcd.kill(), start: () => etcd.launch() }, 2000, closers));
});
