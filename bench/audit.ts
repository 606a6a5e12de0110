// What the audit log costs a read: GET of one ConfigMap on a server without audit and on one that
// records every request at Metadata (JSON lines to a file). Both servers run side by side and the
// runs alternate, so machine noise falls on both.
//   npx tsc -p tsconfig.json && node dist/bench/audit.js [--seconds 5] [--connections 16] [--rounds 3]
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, readKubeconfig, type Credentials } from './client.js';
import { freePort, startServer } from './server-process.js';
import { keepAliveLoad, type LoadResult } from './keepalive-load.js';
import { round2 } from './stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 16);
const ROUNDS = arg('rounds', 3);
const PATH = '/api/v1/namespaces/default/configmaps/target';

const load = (creds: Credentials) => keepAliveLoad(creds, { connections: CONNECTIONS, seconds: SECONDS }, { method: 'GET', path: PATH, status: 200 });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-audit-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n');
  const logPath = join(dir, 'audit.log');
  const off = await startServer({ dataDir: join(dir, 'off'), port: await freePort(), kubeconfigPath: join(dir, 'off.yaml') });
  const on = await startServer({ dataDir: join(dir, 'on'), port: await freePort(), kubeconfigPath: join(dir, 'on.yaml'), extraArgs: ['--audit-log-path', logPath, '--audit-policy-file', policy] });
  try {
    const creds = { off: readKubeconfig(join(dir, 'off.yaml')), on: readKubeconfig(join(dir, 'on.yaml')) };
    for (const c of Object.values(creds)) {
      const admin = new ApiClient(c, { maxSockets: 4 });
      await admin.ok('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { a: '1' } });
      admin.close();
      await load(c);
    }
    const runs: Record<'off' | 'on', LoadResult[]> = { off: [], on: [] };
    for (let round = 0; round < ROUNDS; round++) for (const which of ['off', 'on'] as const) runs[which].push(await load(creds[which]));
    const best = (w: 'off' | 'on') => runs[w].reduce((a, b) => (b.rps > a.rps ? b : a));
    const a = best('off');
    const b = best('on');
    // Let the log catch up, then check it holds a line per request.
    await new Promise((r) => setTimeout(r, 1000));
    const lines = readFileSync(logPath, 'utf8').split('\n').filter((l) => l.includes(PATH)).length;
    const sent = runs.on.reduce((n, r) => n + r.n, 0);
    console.log(`host: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; ${CONNECTIONS} connections, ${SECONDS} s per run, best of ${ROUNDS}`);
    console.log(`GET ${PATH}`);
    console.log(`  audit off:              ${a.rps} req/s  p50 ${a.p50} ms  p99 ${a.p99} ms   runs: ${runs.off.map((r) => r.rps).join(', ')}`);
    console.log(`  audit Metadata to file: ${b.rps} req/s  p50 ${b.p50} ms  p99 ${b.p99} ms   runs: ${runs.on.map((r) => r.rps).join(', ')}`);
    console.log(`  cost: ${round2(100 - (b.rps / a.rps) * 100)} % of the throughput; log ${(statSync(logPath).size / 1e6).toFixed(1)} MB, ${lines} lines for ${sent} measured GETs (plus warm-up)`);
  } finally {
    await Promise.all([off.stop(), on.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
