// The load phases, each against one namespace of ConfigMaps: creates, LIST (whole and paged), watch
// fan-out under updates, and single-object GETs. Latency is request start -> last response byte.
import { randomBytes } from 'node:crypto';
import type { ApiClient } from './client.js';
import { latencyStats, percentile, round2, type LatencyStats } from './stats.js';

export interface ConfigMapLike {
  metadata: { name: string; resourceVersion: string; [k: string]: unknown };
  data?: Record<string, string>;
  [k: string]: unknown;
}

/** ~1 KB of random base64, as apibench sends. */
function payload(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').slice(0, bytes);
}

export function configMapsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/configmaps`;
}

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

export async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  // Opens the keep-alive connections so TLS handshakes are not counted as create latency.
  await pool(64, 64, async () => {
    await client.ok('GET', `/api/v1/namespaces/${name}`);
  });
}

export interface CreateResult extends LatencyStats {
  concurrency: number;
  reqPerSec: number;
  elapsedS: number;
  retries: number;
}

export async function createConfigMaps(
  client: ApiClient,
  opts: { namespace: string; prefix: string; count: number; concurrency: number; payloadBytes: number; names: string[] },
): Promise<CreateResult> {
  const path = configMapsPath(opts.namespace);
  const lat = new Array<number>(opts.count);
  let retries = 0;
  const t0 = performance.now();
  await pool(opts.count, opts.concurrency, async (i) => {
    const name = `${opts.prefix}-${String(i).padStart(5, '0')}`;
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { app: 'k3ts-bench', idx: String(i) } },
      data: { payload: payload(opts.payloadBytes) },
    };
    for (let attempt = 0; ; attempt++) {
      const r = await client.request('POST', path, body, { keepText: false });
      if (r.status === 201 || r.status === 200) {
        lat[i] = r.ms;
        break;
      }
      if ((r.status === 429 || r.status >= 500) && attempt < 5) {
        retries++;
        await new Promise((res) => setTimeout(res, 100));
        continue;
      }
      throw new Error(`create ${name} -> ${r.status}: ${r.text.slice(0, 300)}`);
    }
    opts.names.push(name);
  });
  const elapsedS = (performance.now() - t0) / 1000;
  return { concurrency: opts.concurrency, reqPerSec: round2(opts.count / elapsedS), elapsedS: round2(elapsedS), retries, ...latencyStats(lat) };
}

export interface ListResult extends LatencyStats {
  items: number;
  bytes: number;
  runs: number;
}

// The namespace also holds what controllers put there (kube-root-ca.crt), which the counts ignore.
const isBenchObject = (o: ConfigMapLike): boolean => (o.metadata.labels as Record<string, string> | undefined)?.app === 'k3ts-bench';

export async function listAll(client: ApiClient, opts: { namespace: string; runs: number; expected: number }): Promise<ListResult> {
  const path = configMapsPath(opts.namespace);
  const lat: number[] = [];
  let items = 0;
  let bytes = 0;
  for (let k = 0; k < opts.runs; k++) {
    const r = await client.ok('GET', path, undefined, { keepText: k === 0 });
    lat.push(r.ms);
    bytes = r.bytes;
    if (k === 0) {
      items = (JSON.parse(r.text) as { items: ConfigMapLike[] }).items.filter(isBenchObject).length;
      if (items !== opts.expected) throw new Error(`LIST returned ${items} items, expected ${opts.expected}`);
    }
  }
  return { items, bytes, runs: opts.runs, ...latencyStats(lat) };
}

export interface PagedResult {
  limit: number;
  runs: number;
  pages: number;
  items: number;
  fullP50Ms: number;
  fullMaxMs: number;
  pageP50Ms: number;
  pageP99Ms: number;
}

export async function listPaged(
  client: ApiClient,
  opts: { namespace: string; runs: number; limit: number; expected: number },
): Promise<PagedResult> {
  const path = configMapsPath(opts.namespace);
  const pageLat: number[] = [];
  const full: number[] = [];
  let pages = 0;
  let items = 0;
  for (let k = 0; k < opts.runs; k++) {
    const seen = new Set<string>();
    let cont = '';
    pages = 0;
    const t0 = performance.now();
    do {
      const q = `?limit=${opts.limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
      const r = await client.ok('GET', path + q);
      pageLat.push(r.ms);
      pages++;
      const list = JSON.parse(r.text) as { items: ConfigMapLike[]; metadata: { continue?: string } };
      for (const it of list.items.filter(isBenchObject)) {
        if (seen.has(it.metadata.name)) throw new Error(`paged LIST returned ${it.metadata.name} twice`);
        seen.add(it.metadata.name);
      }
      cont = list.metadata.continue ?? '';
    } while (cont);
    full.push(performance.now() - t0);
    items = seen.size;
    if (items !== opts.expected) throw new Error(`paged LIST saw ${items} items, expected ${opts.expected}`);
  }
  return {
    limit: opts.limit,
    runs: opts.runs,
    pages,
    items,
    fullP50Ms: round2(percentile(full, 50)),
    fullMaxMs: round2(percentile(full, 100)),
    pageP50Ms: round2(percentile(pageLat, 50)),
    pageP99Ms: round2(percentile(pageLat, 99)),
  };
}

export interface WatchResult {
  watchers: number;
  updates: number;
  expectedEvents: number;
  received: number;
  lost: number;
  duplicates: number;
  /** Events each watcher missed, one entry per watcher (all 0 when nothing was lost). */
  lostPerWatcher: number[];
  setupMs: number;
  updateP50Ms: number;
  updateP99Ms: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  lagFromRequestP50Ms: number;
  lagFromRequestP99Ms: number;
}

interface Watcher {
  status: number;
  got: Map<string, number>;
  duplicates: number;
  errors: number;
  destroy(): void;
}

function openWatcher(client: ApiClient, path: string, agent: import('node:https').Agent): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const w: Watcher = { status: 0, got: new Map(), duplicates: 0, errors: 0, destroy: () => req.destroy() };
    const req = client.rawRequest({ path, agent }, (res) => {
      w.status = res.statusCode ?? 0;
      resolve(w);
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        const t = performance.now();
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: ConfigMapLike };
          if (ev.type !== 'MODIFIED') {
            if (ev.type === 'ERROR') w.errors++;
            continue;
          }
          const key = `${ev.object.metadata.name}@${ev.object.metadata.resourceVersion}`;
          if (w.got.has(key)) w.duplicates++;
          else w.got.set(key, t);
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (e) => {
      if (w.status === 0) reject(e);
    });
    req.end();
  });
}

export async function watchFanOut(
  client: ApiClient,
  opts: { namespace: string; watchers: number; updates: number; payloadBytes: number },
): Promise<WatchResult> {
  const path = configMapsPath(opts.namespace);
  // One list gives both the objects to update and the revision every watcher starts from.
  const first = await client.ok('GET', `${path}?limit=${opts.updates}`);
  const list = JSON.parse(first.text) as { items: ConfigMapLike[]; metadata: { resourceVersion: string } };
  const objects = list.items.slice(0, opts.updates);
  const rv = list.metadata.resourceVersion;

  const watchAgent = client.newAgent({ keepAlive: false, maxSockets: Infinity });
  const tSetup = performance.now();
  const watchers = await Promise.all(
    Array.from({ length: opts.watchers }, () =>
      openWatcher(client, `${path}?watch=1&resourceVersion=${rv}&timeoutSeconds=600`, watchAgent),
    ),
  );
  const setupMs = performance.now() - tSetup;
  const bad = watchers.filter((w) => w.status !== 200).length;
  if (bad) throw new Error(`${bad} of ${opts.watchers} watches were refused`);
  await new Promise((r) => setTimeout(r, 200)); // every watch registered before the first update

  const updates: Array<{ key: string; t0: number; t1: number }> = [];
  const updLat: number[] = [];
  for (const o of objects) {
    o.data = { ...o.data, payload: payload(opts.payloadBytes) };
    const r = await client.ok('PUT', `${path}/${o.metadata.name}`, o);
    const nrv = (JSON.parse(r.text) as ConfigMapLike).metadata.resourceVersion;
    updates.push({ key: `${o.metadata.name}@${nrv}`, t0: r.t0, t1: r.t1 });
    updLat.push(r.ms);
  }
  const deadline = performance.now() + 10_000; // stragglers
  while (performance.now() < deadline && watchers.some((w) => w.got.size < updates.length)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const w of watchers) w.destroy();
  watchAgent.destroy();

  const lag: number[] = [];
  const lagReq: number[] = [];
  const lostPerWatcher: number[] = [];
  let received = 0;
  for (const w of watchers) {
    let lost = 0;
    for (const u of updates) {
      const t = w.got.get(u.key);
      if (t === undefined) {
        lost++;
        continue;
      }
      received++;
      lag.push(t - u.t1);
      lagReq.push(t - u.t0);
    }
    lostPerWatcher.push(lost);
  }
  const upd = latencyStats(updLat);
  return {
    watchers: opts.watchers,
    updates: updates.length,
    expectedEvents: updates.length * opts.watchers,
    received,
    lost: lostPerWatcher.reduce((a, b) => a + b, 0),
    duplicates: watchers.reduce((a, w) => a + w.duplicates, 0),
    lostPerWatcher,
    setupMs: round2(setupMs),
    updateP50Ms: upd.p50Ms,
    updateP99Ms: upd.p99Ms,
    lagP50Ms: round2(percentile(lag, 50)),
    lagP99Ms: round2(percentile(lag, 99)),
    lagMaxMs: round2(percentile(lag, 100)),
    lagFromRequestP50Ms: round2(percentile(lagReq, 50)),
    lagFromRequestP99Ms: round2(percentile(lagReq, 99)),
  };
}

export interface GetResult extends LatencyStats {
  reqPerSec: number;
}

export async function getSingles(client: ApiClient, opts: { namespace: string; names: string[]; count: number }): Promise<GetResult> {
  const path = configMapsPath(opts.namespace);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let k = 0; k < opts.count; k++) {
    const name = opts.names[Math.floor(Math.random() * opts.names.length)]!;
    const r = await client.ok('GET', `${path}/${name}`, undefined, { keepText: false });
    lat.push(r.ms);
  }
  const elapsedS = (performance.now() - t0) / 1000;
  return { reqPerSec: round2(opts.count / elapsedS), ...latencyStats(lat) };
}
