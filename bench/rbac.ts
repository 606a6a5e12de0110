// What RBAC costs a read: GET of one ConfigMap as system:masters (allowed before RBAC is asked)
// and as a token user whose right comes from one RoleBinding among 1,000 Roles and 1,000
// RoleBindings (spread over 10 namespaces, 1,000 users). Same keep-alive connections, same object,
// runs alternated so machine noise falls on both. Target: the user within 10 % of the admin.
//   npx tsc -p tsconfig.json && node dist/bench/rbac.js [--roles 1000] [--seconds 5] [--connections 16]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, readKubeconfig, type Credentials } from './client.js';
import { freePort, startServer } from './server-process.js';
import { keepAliveLoad } from './keepalive-load.js';
import { round2 } from './stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROLES = arg('roles', 1000);
const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 16);
const NAMESPACES = 10;
const TOKEN = 'bench-user-token';
const PATH = '/api/v1/namespaces/bench-0/configmaps/target';

/** GETs on `connections` keep-alive sockets for `seconds`; every answer must be 200. */
const load = (creds: Credentials, auth: 'cert' | 'token') =>
  keepAliveLoad(creds, { connections: CONNECTIONS, seconds: SECONDS }, { method: 'GET', path: PATH, headers: auth === 'token' ? { authorization: `Bearer ${TOKEN}` } : {}, status: 200 });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-rbac-'));
  const tokens = join(dir, 'tokens.csv');
  // 1,000 users with roles of their own, plus the one the bench acts as.
  writeFileSync(tokens, [`${TOKEN},bench-user,9999`, ...Array.from({ length: ROLES }, (_, i) => `t-${i},user-${i},${i}`)].join('\n') + '\n');
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig, extraArgs: ['--token-auth-file', tokens] });
  try {
    const creds = readKubeconfig(kubeconfig);
    const admin = new ApiClient(creds, { maxSockets: 32 });
    for (let n = 0; n < NAMESPACES; n++) await admin.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}` } });
    await admin.ok('POST', '/api/v1/namespaces/bench-0/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' }, data: { a: '1' } });
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces';
    const created = performance.now();
    for (let i = 0; i < ROLES; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, ROLES - i) }, async (_, j) => {
        const k = i + j;
        const ns = `bench-${k % NAMESPACES}`;
        const rules = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: [`cm-${k}`] }, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }];
        await admin.ok('POST', `${rbac}/${ns}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `role-${k}` }, rules });
        await admin.ok('POST', `${rbac}/${ns}/rolebindings`, {
          apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `rb-${k}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${k}` },
          subjects: [{ kind: 'User', name: `user-${k}` }, { kind: 'Group', name: `team-${k % 37}` }],
        });
      }));
    }
    const createMs = Math.round(performance.now() - created);
    // The bench user's right: one more binding, to the built-in view role, in bench-0.
    await admin.ok('POST', `${rbac}/bench-0/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bench-user-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'bench-user' }],
    });
    admin.close();
    // Warm both paths (JIT, caches, the index rebuilt after the last binding), then alternate.
    for (let i = 0; i < 50; i++) {
      const r = await load(creds, 'token').catch((e: Error) => e);
      if (!(r instanceof Error)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await load(creds, 'cert');
    const runs: Record<'cert' | 'token', Array<{ rps: number; p50: number; p99: number }>> = { cert: [], token: [] };
    for (let round = 0; round < 3; round++) for (const who of ['cert', 'token'] as const) runs[who].push(await load(creds, who));
    const best = (who: 'cert' | 'token') => runs[who].reduce((a, b) => (b.rps > a.rps ? b : a));
    const masters = best('cert');
    const user = best('token');
    console.log(`host: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; ${ROLES} Roles + ${ROLES} RoleBindings created in ${createMs} ms; ${CONNECTIONS} connections, ${SECONDS} s per run, best of 3`);
    console.log(`GET ${PATH}`);
    console.log(`  system:masters (client cert):        ${masters.rps} req/s  p50 ${masters.p50} ms  p99 ${masters.p99} ms   runs: ${runs.cert.map((r) => r.rps).join(', ')}`);
    console.log(`  user via RoleBinding (bearer token): ${user.rps} req/s  p50 ${user.p50} ms  p99 ${user.p99} ms   runs: ${runs.token.map((r) => r.rps).join(', ')}`);
    const ratio = round2((user.rps / masters.rps) * 100);
    console.log(`  user/masters: ${ratio} % of the throughput, p99 ${round2((user.p99 / masters.p99) * 100)} %: ${ratio >= 90 ? 'within' : 'OUTSIDE'} the 10 % target`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
