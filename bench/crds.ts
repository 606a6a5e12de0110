// 100 CustomResourceDefinitions created at once: how long until every one is served (its
// collection answers, discovery lists it and the OpenAPI v3 root names its group version), and
// how much the server's resident memory grew. Targets (issue 11): all served within 5 s, RSS
// growth at most 50 MB.
//   npx tsc -p tsconfig.json && node dist/bench/crds.js [--crds 100] [--concurrency 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, readKubeconfig } from './client.js';
import { rssMb } from './proc.js';
import { freePort, startServer } from './server-process.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const CRDS = arg('crds', 100);
const CONCURRENCY = arg('concurrency', 10);

/** A CRD shaped like a typical operator's: a spec and status schema, printer columns, status and scale. */
function crd(i: number) {
  const group = `g${i}.bench.example.com`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `things${i}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: `things${i}`, singular: `thing${i}`, kind: `Thing${i}`, shortNames: [`th${i}`] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['image'],
                  properties: {
                    image: { type: 'string', description: 'The image to run.' },
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                    schedule: { type: 'string', pattern: '^\\S+( \\S+){4}$' },
                    env: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } } },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, phase: { type: 'string' } } },
              },
            },
          },
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [
            { name: 'Image', type: 'string', jsonPath: '.spec.image' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          ],
        },
      ],
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-crds-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig });
  try {
    const api = new ApiClient(readKubeconfig(kubeconfig), { maxSockets: CONCURRENCY + 2 });
    // Warm the paths the measurement uses, so their first-use cost is not counted as growth.
    await api.ok('GET', '/apis');
    await api.ok('GET', '/openapi/v3');
    await api.ok('GET', '/openapi/v2');
    await new Promise((r) => setTimeout(r, 2000));
    const rssBefore = rssMb(server.pid);
    const start = performance.now();
    const servedAt: number[] = new Array(CRDS);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < CRDS; i = next++) {
        await api.ok('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(i));
        // Served: the collection answers 200 (until then 404).
        for (;;) {
          const r = await api.request('GET', `/apis/g${i}.bench.example.com/v1/namespaces/default/things${i}`);
          if (r.status === 200) break;
          if (r.status !== 404) throw new Error(`list of things${i}: ${r.status} ${r.text.slice(0, 200)}`);
          await new Promise((res) => setTimeout(res, 5));
        }
        servedAt[i] = performance.now() - start;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const allServedMs = Math.round(performance.now() - start);
    // Discovery and OpenAPI name every one of them.
    const t0 = performance.now();
    const groups = JSON.parse((await api.ok('GET', '/apis', undefined, { keepText: true })).text) as { groups: Array<{ name: string }> };
    const listed = groups.groups.filter((g) => g.name.endsWith('.bench.example.com')).length;
    const root = JSON.parse((await api.ok('GET', '/openapi/v3', undefined, { keepText: true })).text) as { paths: Record<string, unknown> };
    const inOpenapi = Object.keys(root.paths).filter((p) => p.endsWith('.bench.example.com/v1')).length;
    const docsMs = Math.round(performance.now() - t0);
    if (listed !== CRDS || inOpenapi !== CRDS) throw new Error(`discovery lists ${listed}, OpenAPI ${inOpenapi} of ${CRDS} groups`);
    // One object in each, so every kind's write path has been used once.
    let n = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = n++; i < CRDS; i = n++) {
        await api.ok('POST', `/apis/g${i}.bench.example.com/v1/namespaces/default/things${i}`, { apiVersion: `g${i}.bench.example.com/v1`, kind: `Thing${i}`, metadata: { name: 'one' }, spec: { image: 'x' } });
      }
    }));
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = rssMb(server.pid);
    api.close();
    const sorted = [...servedAt].sort((a, b) => a - b);
    const growth = Math.round((rssAfter - rssBefore) * 10) / 10;
    console.log(`host: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; ${CRDS} CRDs created by ${CONCURRENCY} clients, each polled until its collection answers`);
    console.log(`  all served after ${allServedMs} ms (median CRD served at ${Math.round(sorted[Math.floor(CRDS / 2)]!)} ms): ${allServedMs <= 5000 ? 'within' : 'OUTSIDE'} the 5 s target`);
    console.log(`  /apis and /openapi/v3 then list all ${CRDS} groups (${docsMs} ms for both, rebuilt once)`);
    console.log(`  server RSS ${rssBefore} MB -> ${rssAfter} MB (+${growth} MB, one object in each kind): ${growth <= 50 ? 'within' : 'OUTSIDE'} the 50 MB target`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
