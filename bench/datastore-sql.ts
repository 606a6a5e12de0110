// `node dist/bench/datastore-sql.js [N]`: the same workload through the Backend interface on SQLite,
// PostgreSQL and MariaDB (private servers on 127.0.0.1, started and removed here), printed as a table:
// creates with 32 in flight (group commit at work), sequential creates (one round trip chain each),
// GETs, a full LIST of N keys, and 500-key pages. 1 KB values, like the main bench.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Backend } from '../src/storage/backend.js';
import { openBackend } from '../src/storage/open.js';
import { MariadbServer, mariadbSkipReason } from '../test/support/mariadb-server.js';
import { PostgresServer, postgresSkipReason } from '../test/support/postgres-server.js';

const N = Number(process.argv[2] ?? 3000);
const CONCURRENCY = 32;
const VALUE = JSON.stringify({ data: 'x'.repeat(1000) });

interface Result {
  name: string;
  createsConcurrent: number;
  createsSequential: number;
  gets: number;
  listAllMs: number;
  page500Ms: number;
}

async function rate(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await op(next++);
  }));
  return Math.round(count / ((performance.now() - started) / 1000));
}

async function timeMs(runs: number, op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < runs; i++) await op();
  return Math.round(((performance.now() - started) / runs) * 10) / 10;
}

async function measure(name: string, db: Backend): Promise<Result> {
  const createsConcurrent = await rate(N, CONCURRENCY, (i) => db.create(`/registry/configmaps/bench/c${String(i).padStart(6, '0')}`, VALUE));
  const sequentialCount = Math.min(N, 500);
  const createsSequential = await rate(sequentialCount, 1, (i) => db.create(`/registry/secrets/bench/s${i}`, VALUE));
  const gets = await rate(N, 1, (i) => db.get(`/registry/configmaps/bench/c${String(i).padStart(6, '0')}`));
  const listAllMs = await timeMs(5, () => db.list({ prefix: '/registry/configmaps/' }));
  const page500Ms = await timeMs(20, () => db.list({ prefix: '/registry/configmaps/', limit: 500, after: '/registry/configmaps/bench/c001000' }));
  return { name, createsConcurrent, createsSequential, gets, listAllMs, page500Ms };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-sql-'));
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    const sqlite = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
    results.push(await measure('sqlite', sqlite));
    await sqlite.close();

    if (postgresSkipReason()) console.error(`postgres skipped: ${postgresSkipReason()}`);
    else {
      const pg = await PostgresServer.start();
      cleanups.push(() => pg.stop());
      const backend = await openBackend((await pg.database()).url, { autoCompaction: { intervalMs: 0 } });
      results.push(await measure('postgres 15', backend));
      await backend.close();
    }
    if (mariadbSkipReason()) console.error(`mariadb skipped: ${mariadbSkipReason()}`);
    else {
      const maria = await MariadbServer.start();
      cleanups.push(() => maria.stop());
      const backend = await openBackend((await maria.database()).url, { autoCompaction: { intervalMs: 0 } });
      results.push(await measure('mariadb 10.11', backend));
      await backend.close();
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
  console.log(`N=${N} keys, 1 KB values, through the Backend interface`);
  console.log(['backend', `creates/s (${CONCURRENCY} in flight)`, 'creates/s (1 at a time)', 'GET/s', `LIST ${N} ms`, 'LIST page 500 ms'].join(' | '));
  for (const r of results) console.log([r.name, r.createsConcurrent, r.createsSequential, r.gets, r.listAllMs, r.page500Ms].join(' | '));
}

await main();
