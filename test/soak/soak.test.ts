// A minute of steady mixed traffic from 16 clients against a real `k3ts server`: every answer is
// what the verb should get, p99 latency stays low, and once the clients stop and the server idles
// its memory returns near where it started. "Started" is after five seconds of the same traffic:
// that much fills the caches that stop at a fixed size (SQLite's pages, compiled code), so what
// is compared is what the minute of load left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpsRequest, K3tsProcess, type AdminCredentials } from '../durability/k3ts-process.js';

const CLIENTS = 16;
const DURATION_MS = Number(process.env.SOAK_MS ?? 60_000);
const WARMUP_MS = 5000;
const NS = 'soak';

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

test(`soak: ${CLIENTS} clients of mixed verbs for ${DURATION_MS / 1000} s`, { timeout: DURATION_MS + 120_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-soak-'));
  const server = await K3tsProcess.start({ root });
  t.after(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });
  const creds: AdminCredentials = server.credentials();
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 4 });
  const call = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    httpsRequest({ url: `${server.url}${path}`, method, creds, agent, timeoutMs: 15_000, headers: { 'Content-Type': contentType, Accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  assert.equal((await call('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status, 201);
  // A standing population to list and watch, as a small cluster has.
  for (let i = 0; i < 200; i++) assert.equal((await call('POST', `/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: `base-${i}`, labels: { set: 'base' } }, data: { v: 'x'.repeat(512) } })).status, 201);
  const rssCold = rssMb(server.pid);

  const latencies: number[] = [];
  const byVerb = new Map<string, number[]>();
  const errors: string[] = [];
  let deadline = Date.now() + WARMUP_MS;
  const expect = async (what: string, want: number, run: () => ReturnType<typeof call>) => {
    const t0 = performance.now();
    const r = await run();
    const ms = performance.now() - t0;
    latencies.push(ms);
    // (Appended in place: copying a verb's list on every request grew quadratic, and the copies ran on
    // the event loop the 16 clients time their answers on.)
    let mine = byVerb.get(what);
    if (!mine) byVerb.set(what, (mine = []));
    mine.push(ms);
    if (r.status !== want && errors.length < 20) errors.push(`${what}: ${r.status} ${r.body.toString().slice(0, 200)}`);
    return r;
  };
  const client = async (c: number, round: string) => {
    for (let n = 0; Date.now() < deadline; n++) {
      const name = `${round}c${c}-${n}`;
      const path = `/api/v1/namespaces/${NS}/configmaps/${name}`;
      await expect('create', 201, () => call('POST', `/api/v1/namespaces/${NS}/configmaps`, { metadata: { name, labels: { client: String(c) } }, data: { n: String(n) } }));
      await expect('get', 200, () => call('GET', path));
      await expect('merge patch', 200, () => call('PATCH', path, { data: { patched: 'yes' } }, 'application/merge-patch+json'));
      const got = JSON.parse((await expect('get', 200, () => call('GET', path))).body.toString()) as Record<string, unknown>;
      await expect('update', 200, () => call('PUT', path, { ...got, data: { n: String(n), updated: 'yes' } }));
      if (n % 5 === 0) await expect('list by label', 200, () => call('GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=client%3D${c}`));
      if (n % 20 === 0) await expect('list 200+', 200, () => call('GET', `/api/v1/namespaces/${NS}/configmaps?limit=100`));
      if (n % 25 === 0) {
        // A short watch, as kubectl get -w that the user stops.
        await expect('watch', 200, () => httpsRequest({ url: `${server.url}/api/v1/namespaces/${NS}/configmaps?watch=1&labelSelector=set%3Dbase&resourceVersion=0`, creds, agent, closeAfterHeadersMs: 50, timeoutMs: 15_000 }));
      }
      await expect('delete', 200, () => call('DELETE', path));
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c, 'warm-')));
  latencies.length = 0;
  byVerb.clear();
  await sleep(2000);
  const rssStart = rssMb(server.pid);
  deadline = Date.now() + DURATION_MS;
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c, '')));
  agent.destroy();
  const rssLoaded = rssMb(server.pid);

  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  // Idle: what the load left behind in the heap is given back.
  let rssIdle = rssMb(server.pid);
  for (let i = 0; i < 30 && rssIdle > rssStart * 1.2; i++) {
    await sleep(1000);
    rssIdle = rssMb(server.pid);
  }
  const verbs = [...byVerb].map(([k, v]) => `${k} ${v.length} p99 ${percentile(v.sort((a, b) => a - b), 0.99).toFixed(1)}`).join(', ');
  const summary = `${latencies.length} requests (${verbs}); p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; RSS ${rssCold.toFixed(0)} MB cold, ${rssStart.toFixed(0)} MB at start (after warm-up), ${rssLoaded.toFixed(0)} MB loaded, ${rssIdle.toFixed(0)} MB idle`;
  console.log(`# soak: ${summary}`);
  t.diagnostic(summary);
  assert.deepEqual(errors, []);
  assert.ok(server.alive);
  assert.ok(p99 <= 50, `p99 ${p99.toFixed(1)} ms`);
  assert.ok(rssIdle <= rssStart * 1.2, `RSS idle ${rssIdle.toFixed(0)} MB vs ${rssStart.toFixed(0)} MB at start`);
});
