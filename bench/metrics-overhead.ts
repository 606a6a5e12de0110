// What the Prometheus instrumentation costs the API server's hot path: GETs of one ConfigMap on
// keep-alive connections against this checkout's server and a baseline checkout's (built from a
// commit before the metrics), runs alternated so machine noise falls on both, plus each server's
// CPU time per request, RSS, and (this one) the time one /metrics scrape takes.
//   git archive <base> | tar -x -C /tmp/k3ts-baseline && (cd /tmp/k3ts-baseline && ln -s <repo>/node_modules && npx tsc -p tsconfig.json)
//   npx tsc -p tsconfig.json && node dist/bench/metrics-overhead.js --baseline /tmp/k3ts-baseline [--seconds 5] [--rounds 3] [--connections 16]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient, readKubeconfig, type Credentials } from './client.js';
import { cpuSeconds, rssMb } from './proc.js';
import { freePort, startServer, type StartedServer } from './server-process.js';
import { keepAliveLoad } from './keepalive-load.js';
import { median, round2 } from './stats.js';
import { RequestMeasure } from '../src/apiserver/prometheus/request-metrics.js';
import { timed } from '../src/apiserver/prometheus/storage-metrics.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The instrumentation of one GET alone, in this process: what the hot path pays, without the
 *  noise of a loaded machine's HTTP round trips. CPU time (not wall time, which a busy machine
 *  stretches), median of 5 batches, in microseconds. */
async function perRequestMicros(): Promise<number> {
  const req = { method: 'GET', url: PATH, headers: {} } as IncomingMessage;
  const res = { statusCode: 200 } as ServerResponse;
  const info = { kind: 'resource' as const, verb: 'get', group: '', version: 'v1', namespace: 'default', resource: 'configmaps', name: 'target' };
  const batch = 100_000;
  const results: number[] = [];
  for (let b = 0; b < 6; b++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) {
      const m = new RequestMeasure(req);
      m.info = info;
      m.admitted(info);
      await timed('get', 'configmaps', Promise.resolve(i));
      m.finished(res);
    }
    const used = process.cpuUsage(t0);
    if (b > 0) results.push((used.user + used.system) / batch); // the first warms the JIT
  }
  return round2(median(results));
}

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const BASELINE = arg('baseline');
const SECONDS = Number(arg('seconds') ?? 5);
const ROUNDS = Number(arg('rounds') ?? 3);
const CONNECTIONS = Number(arg('connections') ?? 16);
const PATH = '/api/v1/namespaces/default/configmaps/target';

const load = (creds: Credentials) => keepAliveLoad(creds, { connections: CONNECTIONS, seconds: SECONDS }, { method: 'GET', path: PATH, status: 200 });

interface Side {
  name: string;
  server: StartedServer;
  creds: Credentials;
  runs: Array<{ rps: number; p50: number; p99: number; cpuMsPerKReq: number }>;
}

async function main(): Promise<void> {
  if (!BASELINE) throw new Error('--baseline <checkout>: a built checkout without the metrics (see the comment at the top)');
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-metrics-'));
  const sides: Side[] = [];
  try {
    for (const [name, bin] of [['baseline', join(resolve(BASELINE), 'bin', 'k3ts')], ['metrics', undefined]] as const) {
      const kubeconfig = join(dir, `${name}.yaml`);
      const server = await startServer({ dataDir: join(dir, name), port: await freePort(), kubeconfigPath: kubeconfig, ...(bin ? { bin } : {}) });
      const creds = readKubeconfig(kubeconfig);
      const admin = new ApiClient(creds, { maxSockets: 1 });
      await admin.ok('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { a: '1' } });
      admin.close();
      sides.push({ name, server, creds, runs: [] });
    }
    for (const s of sides) await load(s.creds); // warm-up: JIT, connections
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
        const cpu0 = cpuSeconds(s.server.pid);
        const out = await load(s.creds);
        const cpuMs = (cpuSeconds(s.server.pid) - cpu0) * 1000;
        s.runs.push({ rps: out.rps, p50: out.p50, p99: out.p99, cpuMsPerKReq: round2((cpuMs / out.n) * 1000) });
      }
    }
    const metrics = sides.find((s) => s.name === 'metrics')!;
    const scrapes: number[] = [];
    let scrapeBytes = 0;
    const admin = new ApiClient(metrics.creds, { maxSockets: 1 });
    for (let i = 0; i < 20; i++) {
      const res = await admin.ok('GET', '/metrics');
      scrapes.push(res.ms);
      scrapeBytes = res.bytes;
    }
    admin.close();
    const rows = sides.map((s) => ({
      server: s.name,
      rps: median(s.runs.map((r) => r.rps)),
      p50Ms: median(s.runs.map((r) => r.p50)),
      p99Ms: median(s.runs.map((r) => r.p99)),
      cpuMsPer1000Gets: median(s.runs.map((r) => r.cpuMsPerKReq)),
      rssMb: rssMb(s.server.pid),
    }));
    const instrumentationMicros = await perRequestMicros();
    console.log(JSON.stringify({ instrumentationMicrosPerGet: instrumentationMicros, machine: { cpus: cpus().length, load1: round2(loadavg()[0]!) }, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, rows, scrape: { p50Ms: median(scrapes), bytes: scrapeBytes } }, null, 2));
  } finally {
    for (const s of sides) await s.server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
