// `node dist/bench/sqlite-migration.js [configmaps]` (default 5000): a `k3ts server` on SQLite
// (127.0.0.41) gets that many ConfigMaps (about 1 KB each, 16 creates in flight), is stopped, and is
// started again with --cluster-init. Reports what the server logged for the move (keys, MiB, ms) and
// the whole restart until /readyz answers (etcd's first start included).
// Prints one line per figure; the last stdout line is JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess } from '../test/durability/k3ts-process.js';
import { freePort } from '../test/support/db-process.js';
import { readKubeconfig } from './client.js';
import { keepAliveLoad } from './keepalive-load.js';

const COUNT = Number(process.argv[2] ?? 5000);
const HOST = '127.0.0.41';

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-bench-migrate-'));
  let server: K3tsProcess | undefined;
  try {
    server = await K3tsProcess.start({ root, host: HOST, readyTimeoutMs: 60_000 });
    const creds = { ...readKubeconfig(server.kubeconfig), host: HOST, port: server.port };
    let n = 0;
    const load = await keepAliveLoad(creds, { connections: 16, seconds: 600, count: COUNT }, {
      method: 'POST',
      path: '/api/v1/namespaces/default/configmaps',
      body: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${n++}`, labels: { bench: 'migrate' } }, data: { pad: 'x'.repeat(900) } }),
      status: 201,
    });
    console.log(`created ${load.n} ConfigMaps on SQLite at ${load.rps}/s`);
    await server.stop();
    const args = ['--cluster-init', '--etcd-client-port', String(await freePort(HOST)), '--etcd-peer-port', String(await freePort(HOST))];
    const t0 = performance.now();
    server = await K3tsProcess.start({ root, host: HOST, readyTimeoutMs: 180_000, extraArgs: args });
    const restartMs = Math.round(performance.now() - t0);
    const moved = /moved the SQLite datastore into etcd: (\d+) keys \(([\d.]+) MiB\) in (\d+) ms/.exec(server.log);
    if (!moved) throw new Error(`no migration line in the log:\n${server.log.slice(-3000)}`);
    const [keys, mib, ms] = [Number(moved[1]), Number(moved[2]), Number(moved[3])];
    console.log(`moved ${keys} keys (${mib} MiB) into etcd in ${ms} ms (${Math.round(keys / (ms / 1000))} keys/s)`);
    console.log(`restart with --cluster-init until /readyz: ${restartMs} ms`);
    console.log(JSON.stringify({ configmaps: load.n, keys, mib, migrationMs: ms, restartMs }));
  } finally {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
