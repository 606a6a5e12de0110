// What one matching ValidatingAdmissionPolicy costs a create, before and after in one run:
// 1. in process, the policy step alone (no HTTP, no storage) for a ConfigMap create with no
//    policy and with one matching policy of two validations (µs per write);
// 2. over HTTPS against `k3ts server`, ConfigMap creates with no policy and with that policy bound,
//    rounds alternating so machine noise falls on both cases.
//   npx tsc -p tsconfig.json && node dist/bench/admission-policy.js [--seconds 5] [--connections 16]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, readKubeconfig, type Credentials } from './client.js';
import { freePort, startServer } from './server-process.js';
import { keepAliveLoad, type LoadResult } from './keepalive-load.js';
import { createPolicyAdmission } from '../src/apiserver/admission/policy/admission.js';
import { registry } from '../src/registry/index.js';
import type { KObject } from '../src/registry/types.js';
import type { ObjectStore } from '../src/apiserver/store/object-store.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const SECONDS = Number(arg('seconds', '5'));
const CONNECTIONS = Number(arg('connections', '16'));
const SEQUENTIAL = 300;
const NS = 'bench';
const API = '/apis/admissionregistration.k8s.io/v1';

const policy: KObject = {
  apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'bench-policy', uid: 'p', generation: 1 },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: { resourceRules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }], matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {} },
    validations: [{ expression: "has(object.data) && size(object.data.a) <= 1024" }, { expression: "object.metadata.name.matches('^[a-z0-9-]+$')", message: 'bad name' }],
  },
};
const binding: KObject = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'bench-binding' }, spec: { policyName: 'bench-policy', validationActions: ['Deny'] } };

async function inProcess(withPolicy: boolean): Promise<number> {
  // No param and no namespace selector: the store is never read.
  const admission = createPolicyAdmission({ store: {} as ObjectStore, registry });
  const source = (items: KObject[]) => ({ list: () => items, subscribe: () => () => {} });
  admission.attach({ policies: source(withPolicy ? [policy] : []), bindings: source(withPolicy ? [binding] : []) });
  const descriptor = registry.findByResource('', 'v1', 'configmaps')!;
  const object: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c-1', namespace: NS, uid: 'u', labels: { app: 'x' } }, data: { a: 'x'.repeat(256) } };
  const req = { operation: 'CREATE' as const, descriptor, namespace: NS, name: 'c-1', object, dryRun: false };
  const N = withPolicy ? 50_000 : 500_000;
  for (let i = 0; i < N / 10; i++) await admission.validate(req);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await admission.validate(req);
  return ((performance.now() - t0) * 1000) / N;
}

type Result = LoadResult;

/** Creates ConfigMaps on `connections` keep-alive sockets for `seconds`; every answer must be 201. */
function load(creds: Credentials, prefix: string, connections: number, seconds: number, count?: number): Promise<Result> {
  let n = 0;
  const body = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${n++}` }, data: { a: 'x'.repeat(256) } });
  return keepAliveLoad(creds, { connections, seconds, count }, { method: 'POST', path: `/api/v1/namespaces/${NS}/configmaps`, body, status: 201 });
}

async function overHttp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-vap-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig });
  try {
    const creds = readKubeconfig(kubeconfig);
    const admin = new ApiClient(creds, { maxSockets: 4 });
    await admin.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const { uid: _u, generation: _g, ...meta } = policy.metadata;
    await admin.ok('POST', `${API}/validatingadmissionpolicies`, { ...policy, metadata: meta });
    const cases = {
      none: { up: async () => {}, down: async () => {} },
      onePolicy: {
        up: () => admin.ok('POST', `${API}/validatingadmissionpolicybindings`, binding),
        down: () => admin.ok('DELETE', `${API}/validatingadmissionpolicybindings/bench-binding`),
      },
    } as const;
    type Case = keyof typeof cases;
    const loaded: Record<Case, Result[]> = { none: [], onePolicy: [] };
    const sequential: Record<Case, Result[]> = { none: [], onePolicy: [] };
    await load(creds, 'warm', CONNECTIONS, 2);
    // The policy really applies: a name it refuses is refused.
    await cases.onePolicy.up();
    await new Promise((r) => setTimeout(r, 300));
    const refused = await admin.request('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x.y' }, data: { a: 'b' } });
    if (refused.status !== 422) throw new Error(`the bound policy did not refuse a bad name: ${refused.status}`);
    await cases.onePolicy.down();
    let round = 0;
    for (let r = 0; r < 3; r++) {
      for (const c of Object.keys(cases) as Case[]) {
        await cases[c].up();
        await new Promise((res) => setTimeout(res, 300)); // the server's policy watch
        loaded[c].push(await load(creds, `${c.toLowerCase()}-l${round}`, CONNECTIONS, SECONDS));
        sequential[c].push(await load(creds, `${c.toLowerCase()}-s${round}`, 1, 60, SEQUENTIAL));
        await cases[c].down();
        round++;
      }
    }
    const best = (rs: Result[]) => rs.reduce((a, b) => (b.rps > a.rps ? b : a));
    const median = (rs: Result[]) => [...rs].sort((a, b) => a.p50 - b.p50)[Math.floor(rs.length / 2)]!;
    console.log(`over HTTPS (${CONNECTIONS} connections, ${SECONDS} s per run, best of 3; one at a time: ${SEQUENTIAL} creates, median of 3):`);
    for (const c of Object.keys(cases) as Case[]) {
      const l = best(loaded[c]);
      const s = median(sequential[c]);
      console.log(`  ${c.padEnd(10)} ${String(l.rps).padStart(5)} creates/s  p50 ${l.p50} ms  p99 ${l.p99} ms   (runs ${loaded[c].map((x) => x.rps).join(', ')});  one at a time: p50 ${s.p50} ms  p99 ${s.p99} ms`);
    }
    admin.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`host: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);
const nones: number[] = [];
const ones: number[] = [];
for (let i = 0; i < 3; i++) {
  nones.push(await inProcess(false));
  ones.push(await inProcess(true));
}
const fmt = (xs: number[]) => `${Math.min(...xs).toFixed(2)} µs (runs ${xs.map((x) => x.toFixed(1)).join(', ')})`;
console.log(`in process, the policy step per create, best of 3: ${fmt(nones)} with no policy, ${fmt(ones)} with one matching policy (2 validations)`);
if (!process.argv.includes('--in-process-only')) await overHttp();
console.log(`host load at end ${loadavg()[0]!.toFixed(2)}`);
