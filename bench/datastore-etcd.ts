// `node dist/bench/datastore-etcd.js [N]`: the etcd backend against the SQLite one through the Backend
// interface only — create (with a watch open, as in a server: every write also comes back as an event;
// this process's CPU per create is the client's cost of the Txn and the event), CAS update, get (32 in
// flight), one-at-a-time create and get latency, full and paged lists of N 1 KB objects. etcd is a private Debian etcd 3.4 on 127.0.0.1 (temp dir, stopped after);
// SQLite a temp file. Prints a table; the last stdout line is JSON with every number.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../src/storage/backend.js';
import { EtcdBackend } from '../src/storage/etcd/etcd-backend.js';
import { TestEtcd } from '../src/storage/etcd/test-etcd.js';
import { SqliteBackend } from '../src/storage/sqlite/sqlite-backend.js';
import { median, round2 } from './stats.js';

const N = Number(process.argv[2] ?? 2000);
const CONCURRENCY = 32;
const LIST_RUNS = 10;
const PAGE = 500;
const value = (i: number, v: number) => JSON.stringify({ i, v, pad: 'x'.repeat(1000) });

async function pool(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

interface Result {
  createPerSec: number;
  createCpuUs: number;
  createOneMs: number;
  updatePerSec: number;
  getPerSec: number;
  getLatencyMs: number;
  listAllMs: number;
  listPagedMs: number;
}

async function measure(db: Backend): Promise<Result> {
  const key = (i: number) => `/registry/bench/k${String(i).padStart(6, '0')}`;
  const revisions: number[] = [];
  let events = 0;
  const watch = await db.watch({ prefix: '/registry/', afterRevision: await db.currentRevision() }, (batch) => (events += batch.length));
  const cpu = process.cpuUsage();
  const createPerSec = await pool(N, async (i) => (revisions[i] = (await db.create(key(i), value(i, 0))).modRevision));
  while (events < N) await new Promise((r) => setTimeout(r, 1));
  const used = process.cpuUsage(cpu);
  watch.cancel();
  const one: number[] = [];
  for (let i = 0; i < 500; i++) one.push(await timed(() => db.create(`/registry/one/k${i}`, value(i, 0))));
  const updatePerSec = await pool(N, (i) => db.update(key(i), value(i, 1), revisions[i]!));
  const getPerSec = await pool(N, (i) => db.get(key(i)));
  const single: number[] = [];
  for (let i = 0; i < 500; i++) single.push(await timed(() => db.get(key(i))));
  const full: number[] = [];
  for (let r = 0; r < LIST_RUNS; r++) full.push(await timed(() => db.list({ prefix: '/registry/bench/' })));
  const paged: number[] = [];
  for (let r = 0; r < 3; r++) {
    paged.push(
      await timed(async () => {
        let page = await db.list({ prefix: '/registry/bench/', limit: PAGE });
        while (page.more) page = await db.list({ prefix: '/registry/bench/', limit: PAGE, after: page.items.at(-1)!.key, revision: page.revision });
      }),
    );
  }
  return {
    createPerSec: Math.round(createPerSec),
    createCpuUs: Math.round((used.user + used.system) / N),
    createOneMs: round2(median(one)),
    updatePerSec: Math.round(updatePerSec),
    getPerSec: Math.round(getPerSec),
    getLatencyMs: round2(median(single)),
    listAllMs: round2(median(full)),
    listPagedMs: round2(median(paged)),
  };
}

const etcd = await TestEtcd.start();
const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-sqlite-'));
const results: Record<string, Result> = {};
try {
  const e = await EtcdBackend.open({ endpoints: etcd.endpoint, autoCompaction: { intervalMs: 0 } });
  try {
    results.etcd = await measure(e);
  } finally {
    await e.close();
  }
  const s = SqliteBackend.open({ path: join(dir, 'state.db'), autoCompaction: { intervalMs: 0 } });
  try {
    results.sqlite = await measure(s);
  } finally {
    await s.close();
  }
} finally {
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}

const rows: [string, keyof Result, string][] = [
  ['create (32 in flight)', 'createPerSec', '/s'],
  ['  CPU here per create (and its event)', 'createCpuUs', ' µs'],
  ['create, one at a time (median)', 'createOneMs', ' ms'],
  ['CAS update (32 in flight)', 'updatePerSec', '/s'],
  ['get (32 in flight)', 'getPerSec', '/s'],
  ['get, one at a time (median)', 'getLatencyMs', ' ms'],
  [`list ${N} × 1 KB (median)`, 'listAllMs', ' ms'],
  [`list ${N} in pages of ${PAGE} (median)`, 'listPagedMs', ' ms'],
];
console.log(`${'datastore bench, N = ' + N}`.padEnd(36) + 'etcd'.padStart(12) + 'sqlite'.padStart(12));
for (const [label, k, unit] of rows) console.log(label.padEnd(36) + `${results.etcd![k]}${unit}`.padStart(12) + `${results.sqlite![k]}${unit}`.padStart(12));
console.log(JSON.stringify({ n: N, ...results }));
