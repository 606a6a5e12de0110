// What OpenAPI costs now that the built-in kinds carry upstream's schemas (issue 11): the first
// /openapi/v3 request (reads data/openapi/schemas.json.gz and builds every group version's
// document), warm fetches of what kubectl reads (the root, then one group version's document by
// its hash URL; 304 revalidation), /openapi/v2 in both forms, and the server's RSS before any
// OpenAPI request and after all of them, in one run. Also, in this process, the cost of the load
// alone (gunzip + JSON.parse + patch extensions).
//   npx tsc -p tsconfig.json && node dist/bench/openapi.js [--runs 50]
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ApiClient, readKubeconfig } from './client.js';
import { rssMb } from './proc.js';
import { freePort, startServer } from './server-process.js';
import { latencyStats } from './stats.js';
import { ms } from './report.js';
import { vendoredSchemas } from '../src/apiserver/openapi/vendored-schemas.js';

const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(process.argv[i + 1]) : 50;
const PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

interface Got {
  status: number;
  etag: string;
  body: Buffer;
  ms: number;
}

function get(api: ApiClient, path: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = https.request({ host: api.creds.host, port: api.creds.port, path, agent: api.agent, headers: { accept: 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? ''), body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function warm(api: ApiClient, path: string, headers: Record<string, string> = {}): Promise<{ p50: number; p99: number; bytes: number; gzip: number; notModified: number }> {
  const times: number[] = [];
  let last: Got | undefined;
  for (let r = 0; r < RUNS; r++) {
    last = await get(api, path, headers);
    if (last.status !== 200) throw new Error(`GET ${path}: ${last.status}`);
    times.push(last.ms);
  }
  const revalidate: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const g = await get(api, path, { ...headers, 'If-None-Match': last!.etag });
    if (g.status !== 304) throw new Error(`GET ${path} with its ETag: ${g.status}`);
    revalidate.push(g.ms);
  }
  const s = latencyStats(times);
  return { p50: s.p50Ms, p99: s.p99Ms, bytes: last!.body.length, gzip: gzipSync(last!.body, { level: 1 }).length, notModified: latencyStats(revalidate).p50Ms };
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;

async function main(): Promise<void> {
  // The load alone, here: what the server pays once, on its first OpenAPI request.
  const heap0 = process.memoryUsage().heapUsed;
  const l0 = performance.now();
  const v = vendoredSchemas();
  const loadMs = performance.now() - l0;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;

  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-openapi-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig });
  try {
    const api = new ApiClient(readKubeconfig(kubeconfig), { maxSockets: 2 });
    await api.ok('GET', '/apis');
    await new Promise((r) => setTimeout(r, 2000));
    const rssBefore = rssMb(server.pid);

    const first = await get(api, '/openapi/v3');
    const root = JSON.parse(first.body.toString()) as { paths: Record<string, { serverRelativeURL: string }> };
    const firstApps = await get(api, root.paths['apis/apps/v1']!.serverRelativeURL);
    await new Promise((r) => setTimeout(r, 2000));
    const rssV3 = rssMb(server.pid);
    const firstV2 = await get(api, '/openapi/v2', { accept: PROTOBUF });
    const firstV2Json = await get(api, '/openapi/v2');

    const rootWarm = await warm(api, '/openapi/v3');
    const apps = await warm(api, root.paths['apis/apps/v1']!.serverRelativeURL);
    const core = await warm(api, root.paths['api/v1']!.serverRelativeURL);
    const v2pb = await warm(api, '/openapi/v2', { accept: PROTOBUF });
    const v2json = await warm(api, '/openapi/v2');
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = rssMb(server.pid);
    api.close();

    console.log(`host: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; ${RUNS} sequential GETs each; schemas from ${v.source}`);
    console.log(`  load of the vendored data (in this process): ${ms(loadMs)}, heap +${heapMb.toFixed(1)} MB`);
    console.log(`  first GET /openapi/v3 (load + build of ${Object.keys(root.paths).length} group versions): ${ms(first.ms)}; then apis/apps/v1 ${ms(firstApps.ms)}, /openapi/v2 protobuf ${ms(firstV2.ms)} (build), JSON ${ms(firstV2Json.ms)}`);
    const row = (name: string, r: Awaited<ReturnType<typeof warm>>) =>
      console.log(`  ${name.padEnd(28)} p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${kb(r.bytes)} (${kb(r.gzip)} gzip'd); 304 revalidation p50 ${ms(r.notModified)}`);
    row('/openapi/v3 (root)', rootWarm);
    row('/openapi/v3/apis/apps/v1', apps);
    row('/openapi/v3/api/v1', core);
    row('/openapi/v2 (protobuf)', v2pb);
    row('/openapi/v2 (JSON)', v2json);
    console.log(`  server RSS ${rssBefore} MB before any OpenAPI request -> ${rssV3} MB after the v3 documents (+${(rssV3 - rssBefore).toFixed(1)} MB) -> ${rssAfter} MB after v2 too and all fetches (+${(rssAfter - rssBefore).toFixed(1)} MB)`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
