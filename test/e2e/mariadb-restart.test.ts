// One `k3ts server` on MariaDB, the database shut down for 2 s and started again under 16 writers; the
// checks are in datastore-restart-under-load.ts. A pooled connection the shutdown cuts must not end the
// server (an 'error' event with no listener would).
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess } from '../durability/k3ts-process.js';
import { MariadbServer, mariadbSkipReason } from '../support/mariadb-server.js';
import { restartUnderLoad } from './datastore-restart-under-load.js';

describe('one server on MariaDB, MariaDB restarted under load', { skip: mariadbSkipReason(), timeout: 90_000 }, () => {
  let maria: MariadbServer;
  let db: { url: string; drop(): Promise<void> };
  let root: string;
  let server: K3tsProcess;
  const closers: Array<() => unknown> = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-maria-restart-'));
    maria = await MariadbServer.start();
    db = await maria.database();
    server = await K3tsProcess.start({ root, extraArgs: ['--datastore-endpoint', db.url, '--token', 'maria-restart-2b9e'], readyTimeoutMs: 30_000 });
  });

  after(async () => {
    for (const close of closers) await close();
    await server?.stop();
    await db?.drop().catch(() => {});
    await maria?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('acked creates kept whole, ServerTimeout with Retry-After while MariaDB is down, recovery within 10 s, the watch carries on', () =>
    restartUnderLoad(server, { name: 'MariaDB', stop: () => maria.down(), start: () => maria.up() }, 2000, closers));
});
