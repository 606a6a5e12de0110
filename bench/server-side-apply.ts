// What server-side apply costs against a plain update (issue 11's target: within 2× in req/s and
// p99): a Deployment of about 200 manifest lines (three containers with env, ports, probes,
// resources and mounts; volumes; affinity; tolerations) written again with a new image, either as
// a PUT of the whole object or as an apply patch (`application/apply-patch+yaml`, sent as JSON,
// which is YAML; one field manager, force) of the same content. Both run on one server over the same objects, alternated
// round by round so machine noise falls on both; 16 in flight, then one at a time.
//   npx tsc -p tsconfig.json && node dist/bench/server-side-apply.js [--n 300] [--conc 16] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ApiClient, readKubeconfig } from './client.js';
import { freePort, startServer } from './server-process.js';
import { latencyStats, median, round2 } from './stats.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const N = Number(arg('n') ?? 300);
const CONC = Number(arg('conc') ?? 16);
const ROUNDS = Number(arg('rounds') ?? 3);
const NS = 'ssabench';

const container = (name: string, image: string, port: number) => ({
  name,
  image,
  imagePullPolicy: 'IfNotPresent',
  args: ['--port', String(port), '--log-level', 'info'],
  ports: [{ name: `http-${name}`, containerPort: port, protocol: 'TCP' }, { name: `m-${name}`, containerPort: port + 1, protocol: 'TCP' }],
  env: [
    { name: 'MODE', value: 'prod' }, { name: 'REGION', value: 'eu' }, { name: 'LEVEL', value: 'info' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ],
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  readinessProbe: { httpGet: { path: '/ready', port }, periodSeconds: 5, failureThreshold: 3 },
  livenessProbe: { httpGet: { path: '/healthz', port }, initialDelaySeconds: 10, periodSeconds: 10 },
  volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, { name: 'cache', mountPath: '/var/cache/app' }],
  securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
});

export const bigDeployment = (i: number, image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `big-${i}`, namespace: NS, labels: { app: `big-${i}`, tier: 'front', team: 'bench' }, annotations: { owner: 'bench', purpose: 'ssa' } },
  spec: {
    replicas: 3,
    revisionHistoryLimit: 5,
    selector: { matchLabels: { app: `big-${i}` } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: `big-${i}`, tier: 'front' }, annotations: { 'prometheus.io/scrape': 'true' } },
      spec: {
        containers: ['app', 'proxy', 'worker'].map((n, k) => container(n, k === 0 ? image : `busybox:1.3${k}`, 8080 + 10 * k)),
        volumes: [{ name: 'config', configMap: { name: 'app-config' } }, { name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] } } },
        terminationGracePeriodSeconds: 20,
      },
    },
  },
});

type Way = 'update' | 'apply';

async function phase(client: ApiClient, way: Way, image: string, conc: number): Promise<{ rps: number; p50: number; p99: number }> {
  const base = `/apis/apps/v1/namespaces/${NS}/deployments`;
  const times: number[] = [];
  let next = 0;
  const one = (i: number) =>
    way === 'update'
      ? client.ok('PUT', `${base}/big-${i}?fieldManager=bench-update`, bigDeployment(i, image), { keepText: false })
      : client.ok('PATCH', `${base}/big-${i}?fieldManager=bench-apply&force=true`, bigDeployment(i, image), { keepText: false, contentType: 'application/apply-patch+yaml' });
  const started = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < N) times.push((await one(next++)).ms);
  }));
  const secs = (performance.now() - started) / 1000;
  const s = latencyStats(times);
  return { rps: Math.round(N / secs), p50: round2(s.p50Ms), p99: round2(s.p99Ms) };
}

async function main(): Promise<void> {
  const lines = stringify(bigDeployment(0, 'nginx:1')).trim().split('\n').length;
  console.error(`server-side apply bench: ${N} Deployments of ${lines} YAML lines, ${ROUNDS} rounds; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-ssa-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig });
  const client = new ApiClient(readKubeconfig(kubeconfig), { maxSockets: CONC });
  const rows: Record<string, Array<{ rps: number; p50: number; p99: number }>> = {};
  try {
    await client.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // Created by apply, so both ways then write objects that already carry managedFields.
    await phase(client, 'apply', 'nginx:0', CONC);
    let version = 1;
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of round % 2 === 0 ? (['update', 'apply'] as const) : (['apply', 'update'] as const)) {
        for (const conc of [CONC, 1]) (rows[`${way} c=${conc}`] ??= []).push(await phase(client, way, `nginx:${version++}`, conc));
      }
    }
  } finally {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { rps: median(v.map((r) => r.rps)), p50: median(v.map((r) => r.p50)), p99: median(v.map((r) => r.p99)) }]));
  for (const [k, v] of Object.entries(summary)) console.log(`${k.padEnd(12)} ${String(v.rps).padStart(5)} req/s  p50 ${v.p50} ms  p99 ${v.p99} ms`);
  for (const c of [CONC, 1]) {
    const u = summary[`update c=${c}`]!;
    const a = summary[`apply c=${c}`]!;
    console.log(`c=${c}: apply/update req/s ${round2(a.rps / u.rps)}, p99 ${round2(a.p99 / u.p99)}× (target: within 2×)`);
  }
  console.log(JSON.stringify({ lines, n: N, rounds: ROUNDS, summary }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
