// What recording managedFields costs ordinary writes: POST, PUT and merge-PATCH of Deployments
// (about 40 fields each, the shape `kubectl create deployment` makes) with a field manager named,
// against this build and, with --before, another build's bin/k3ts (e.g. main's). Runs alternate
// so machine noise falls on both. Prints req/s and p99 per verb.
//   npx tsc -p tsconfig.json && node dist/bench/managed-fields.js [--before /work/main/bin/k3ts] [--n 1000] [--conc 16] [--rounds 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, readKubeconfig } from './client.js';
import { freePort, startServer } from './server-process.js';
import { latencyStats, round2 } from './stats.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const N = Number(arg('n') ?? 1000);
const CONC = Number(arg('conc') ?? 16);
const ROUNDS = Number(arg('rounds') ?? 2);
const before = arg('before');
const NS = 'mfbench';

export const deployment = (i: number, image: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: `web-${i}`, labels: { app: `web-${i}`, tier: 'front' }, annotations: { owner: 'bench' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: `web-${i}` } },
    template: {
      metadata: { labels: { app: `web-${i}`, tier: 'front' } },
      spec: {
        containers: [
          { name: 'app', image, ports: [{ containerPort: 8080, name: 'http' }], env: [{ name: 'MODE', value: 'prod' }, { name: 'LEVEL', value: 'info' }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } }, readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } },
          { name: 'sidecar', image: 'busybox:1.36', command: ['sh', '-c', 'sleep inf'] },
        ],
      },
    },
  },
});

type Verb = 'create' | 'update' | 'patch';

async function phase(client: ApiClient, verb: Verb): Promise<{ rps: number; p99: number }> {
  const base = `/apis/apps/v1/namespaces/${NS}/deployments`;
  const times: number[] = [];
  let next = 0;
  const one = async (i: number) => {
    if (verb === 'create') return client.ok('POST', `${base}?fieldManager=bench-create`, deployment(i, 'nginx:1'), { keepText: false });
    if (verb === 'update') return client.ok('PUT', `${base}/web-${i}?fieldManager=bench-edit`, deployment(i, 'nginx:2'), { keepText: false });
    return client.ok('PATCH', `${base}/web-${i}?fieldManager=bench-label`, { metadata: { labels: { patched: String(i) } } }, { keepText: false, contentType: 'application/merge-patch+json' });
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next < N) times.push((await one(next++)).ms);
  }));
  const secs = (performance.now() - started) / 1000;
  return { rps: Math.round(N / secs), p99: round2(latencyStats(times).p99Ms) };
}

async function runOnce(bin: string | undefined): Promise<Record<Verb, { rps: number; p99: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-mf-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig, bin });
  const client = new ApiClient(readKubeconfig(kubeconfig), { maxSockets: CONC });
  try {
    await client.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const out = {} as Record<Verb, { rps: number; p99: number }>;
    for (const verb of ['create', 'update', 'patch'] as const) {
      out[verb] = await phase(client, verb);
    }
    return out;
  } finally {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.error(`managedFields bench: ${N} Deployments, concurrency ${CONC}, ${ROUNDS} round(s); load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results: Array<{ build: string; r: Record<Verb, { rps: number; p99: number }> }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (before) results.push({ build: 'before', r: await runOnce(before) });
    results.push({ build: 'this', r: await runOnce(undefined) });
  }
  for (const { build, r } of results) {
    console.log(`${build.padEnd(7)} create ${r.create.rps} req/s p99 ${r.create.p99} ms | update ${r.update.rps} req/s p99 ${r.update.p99} ms | patch ${r.patch.rps} req/s p99 ${r.patch.p99} ms`);
  }
  console.log(JSON.stringify(results));
}

if (process.argv[1]?.endsWith('managed-fields.js')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
