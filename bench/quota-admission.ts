// What ResourceQuota admission costs a pod create, in process over SQLite (no HTTP, so the
// admission's share is not hidden by the wire): pod creates without the plugin (main before this
// work), with the plugin in a namespace that has no quota (one list of quotas per create), and in
// a namespace with a compute quota (the check plus the compare-and-swap of status.used per create).
// Sequential creates give the per-create latency; 16 concurrent creates show what contention on
// the one quota object costs. Rounds alternate so machine noise falls on every case.
//   npx tsc -p tsconfig.json && node dist/bench/quota-admission.js [--pods 400] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../src/storage/open.js';
import { ObjectStore } from '../src/apiserver/store/object-store.js';
import { registry } from '../src/registry/index.js';
import { createObject } from '../src/apiserver/resources/operations.js';
import type { AdmissionPlugin, ResourceContext } from '../src/apiserver/resources/context.js';
import { resourceQuotaAdmission } from '../src/apiserver/admission/resource-quota.js';
import { latencyStats } from './stats.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const PODS = Number(arg('pods', '400'));
const ROUNDS = Number(arg('rounds', '3'));
const CONCURRENCY = 16;

const podsD = registry.findByResource('', 'v1', 'pods')!;
const quotasD = registry.findByResource('', 'v1', 'resourcequotas')!;
const pod = (name: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { cpu: '1m', memory: '1Mi' } } }] },
});

interface Case { name: string; namespace: string; admission: AdmissionPlugin[] }
interface Sample { seqMs: number[]; rps: number[] }

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-quota-'));
  const backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
  try {
    const base = { store: new ObjectStore(backend), registry };
    const quota = resourceQuotaAdmission(base);
    // Room for every pod any round makes, so nothing is refused.
    const hard = { pods: '100000', 'requests.cpu': '1000', 'requests.memory': '1000Gi', 'limits.cpu': '1000', 'limits.memory': '1000Gi' };
    const used = Object.fromEntries(Object.keys(hard).map((k) => [k, '0']));
    await base.store.create(quotasD, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute', namespace: 'quota', uid: 'q', creationTimestamp: new Date().toISOString() }, spec: { hard }, status: { hard, used } });
    const cases: Case[] = [
      { name: 'no quota admission (before)', namespace: 'plain', admission: [] },
      { name: 'quota admission, namespace without quota', namespace: 'noquota', admission: [quota] },
      { name: 'quota admission, compute quota charged', namespace: 'quota', admission: [quota] },
    ];
    const samples = new Map<string, Sample>(cases.map((c) => [c.name, { seqMs: [], rps: [] }]));
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) {
        const ctx: ResourceContext = { ...base, admission: c.admission };
        const s = samples.get(c.name)!;
        for (let i = 0; i < PODS; i++) {
          const t0 = performance.now();
          await createObject(ctx, podsD, c.namespace, pod(`p${n++}`));
          s.seqMs.push(performance.now() - t0);
        }
        const t0 = performance.now();
        let next = 0;
        await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
          while (next < PODS) {
            next++;
            await createObject(ctx, podsD, c.namespace, pod(`p${n++}`));
          }
        }));
        s.rps.push(PODS / ((performance.now() - t0) / 1000));
      }
    }
    console.log(`quota admission: ${PODS} pods x ${ROUNDS} rounds per case, SQLite, ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(1)}`);
    const baseline = latencyStats(samples.get(cases[0]!.name)!.seqMs);
    for (const c of cases) {
      const s = samples.get(c.name)!;
      const st = latencyStats(s.seqMs);
      const rps = Math.round(s.rps.reduce((a, b) => a + b, 0) / s.rps.length);
      const added = (st.meanMs - baseline.meanMs).toFixed(3);
      console.log(`${c.name.padEnd(44)} sequential mean ${st.meanMs.toFixed(3)} ms (+${added}) p50 ${st.p50Ms} p99 ${st.p99Ms} | ${CONCURRENCY} concurrent ${rps} creates/s`);
    }
    const q = await base.store.get(quotasD, 'quota', 'compute');
    console.log(`compute quota status.used after the run: ${JSON.stringify((q.status as { used: unknown }).used)}`);
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
