// Auto-deployed manifests on a real server process: how long from writing a file into
// <data-dir>/server/manifests until its object answers GET (new files, then edits), and what
// watching the directory costs an idle server (CPU over a quiet minute with no manifests, then with
// --files applied ones: the difference is the watch, the debounce timers and the 15 s rescans).
//   npx tsc -p tsconfig.json && node dist/bench/manifests.js [--rounds 20] [--files 50] [--idle-s 60]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, readKubeconfig } from './client.js';
import { cpuSeconds } from './proc.js';
import { freePort, startServer } from './server-process.js';
import { startTestControlPlane } from '../test/support/control-plane.js';
import { runAutoDeploy } from '../src/server/manifests/auto-deploy.js';
import { createLogger } from '../src/server/log.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 20);
const FILES = arg('files', 50);
const IDLE_S = arg('idle-s', 60);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  value: "${value}"\n`;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `median ${pct(s, 50)} ms, p90 ${pct(s, 90)} ms, max ${s[s.length - 1]} ms`;
};

async function withServer<T>(files: number, body: (s: { api: ApiClient; pid: number; dir: string }) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-bench-manifests-'));
  const dir = join(root, 'data', 'server', 'manifests');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `idle-${i}.yaml`), `${configMap(`idle-${i}a`, 'x')}---\n${configMap(`idle-${i}b`, 'y')}`);
  const kubeconfig = join(root, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(root, 'data'), port: await freePort(), kubeconfigPath: kubeconfig });
  const api = new ApiClient(readKubeconfig(kubeconfig), { maxSockets: 4 });
  try {
    return await body({ api, pid: server.pid, dir });
  } finally {
    api.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Writes, then polls GET every 5 ms until `done` holds for the answer; returns the elapsed ms. */
async function timeUntil(api: ApiClient, path: string, write: () => void, done: (status: number, text: string) => boolean): Promise<number> {
  const t0 = performance.now();
  write();
  for (;;) {
    const r = await api.request('GET', path, undefined, { keepText: true });
    if (done(r.status, r.text)) return Math.round(performance.now() - t0);
    if (performance.now() - t0 > 10_000) throw new Error(`${path}: not there 10 s after the write (${r.status})`);
    await sleep(5);
  }
}

async function idleCpu(files: number): Promise<number> {
  return withServer(files, async ({ api, pid }) => {
    // Every file applied before the quiet minute starts.
    for (let i = 0; i < files; i++) {
      while ((await api.request('GET', `/api/v1/namespaces/default/configmaps/idle-${i}b`)).status !== 200) await sleep(50);
    }
    await sleep(3000);
    const c0 = cpuSeconds(pid);
    await sleep(IDLE_S * 1000);
    return cpuSeconds(pid) - c0;
  });
}

/** The CPU of one rescan that finds nothing changed (readdir and a stat per file), measured in
 *  process over many passes: too small to see in a whole server's idle CPU. */
async function rescanCost(files: number, passes = 200): Promise<number> {
  const cp = await startTestControlPlane();
  const root = mkdtempSync(join(tmpdir(), 'k3ts-bench-rescan-'));
  const stop = new AbortController();
  try {
    for (let i = 0; i < files; i++) writeFileSync(join(root, `f-${i}.yaml`), configMap(`f-${i}`, 'x'));
    const loop = await runAutoDeploy({ client: cp.client, registry: cp.context.registry, dir: root, log: createLogger('text', () => undefined), debounceMs: 0, rescanMs: 3_600_000 }, stop.signal);
    await loop.settled();
    await loop.settled();
    const c0 = process.cpuUsage();
    for (let i = 0; i < passes; i++) await loop.settled();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / passes;
  } finally {
    stop.abort();
    await cp.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const latency = await withServer(0, async ({ api, dir }) => {
    const created: number[] = [];
    const edited: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const path = `/api/v1/namespaces/default/configmaps/lat-${i}`;
      created.push(await timeUntil(api, path, () => writeFileSync(join(dir, `lat-${i}.yaml`), configMap(`lat-${i}`, 'v1')), (s) => s === 200));
      await sleep(200);
      edited.push(await timeUntil(api, path, () => writeFileSync(join(dir, `lat-${i}.yaml`), configMap(`lat-${i}`, 'v2')), (s, t) => s === 200 && t.includes('"v2"')));
      await sleep(200);
    }
    return { created, edited };
  });
  const idleNone = await idleCpu(0);
  const idleMany = await idleCpu(FILES);
  const passMs = await rescanCost(FILES);
  console.log(`host: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; one server (--disable-agent), GET polled every 5 ms`);
  console.log(`  new file → object answers GET (${ROUNDS} files): ${summary(latency.created)}`);
  console.log(`  edited file → new data answers GET (${ROUNDS} edits): ${summary(latency.edited)}`);
  const share = (s: number) => `${((s / IDLE_S) * 100).toFixed(2)}% of a core`;
  console.log(`  one rescan of ${FILES} unchanged files: ${passMs.toFixed(2)} ms CPU; at one per 15 s, ${((passMs * 4) / 1000).toFixed(4)} s CPU a minute`);
  console.log(`  idle server CPU over ${IDLE_S} s: ${idleNone.toFixed(2)} s with no manifests (${share(idleNone)}), ${idleMany.toFixed(2)} s with ${FILES} applied files of 2 objects (${share(idleMany)})`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
