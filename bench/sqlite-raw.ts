// The ceiling the storage layer is measured against: how many single-row INSERT transactions per second
// SQLite itself commits on this machine, with the datastore's own pragmas (WAL, synchronous=FULL), so each
// one waits for an fsync. The benchmark report divides storage-layer creates/s by this number.
//
// Standalone: node --import tsx bench/sqlite-raw.ts [dir]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { PRAGMAS } from '../src/storage/sqlite/schema.js';

export interface RawSqliteOptions {
  /** How long to insert for (default 2000 ms). */
  durationMs?: number;
  /** Size of each inserted TEXT value (default 1024 bytes, about one small Kubernetes object). */
  valueBytes?: number;
}

export interface RawSqliteResult {
  txPerSec: number;
  transactions: number;
  durationMs: number;
}

export async function measureRawSqlite(dir: string, opts: RawSqliteOptions = {}): Promise<RawSqliteResult> {
  const durationMs = opts.durationMs ?? 2000;
  const value = 'x'.repeat(opts.valueBytes ?? 1024);
  const path = join(dir, `sqlite-raw-${process.pid}-${Date.now()}.db`);
  const db = new Database(path);
  try {
    for (const pragma of PRAGMAS) db.pragma(pragma);
    db.exec('CREATE TABLE raw (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO raw (name, value) VALUES (?, ?)');
    let transactions = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < durationMs) {
      insert.run(`/raw/k${transactions}`, value); // autocommit: one transaction, one fsync
      transactions++;
      elapsed = performance.now() - start;
      // Let timers and I/O of a surrounding benchmark run now and then.
      if (transactions % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return { txPerSec: Math.round((transactions / elapsed) * 1000), transactions, durationMs: Math.round(elapsed) };
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const given = process.argv[2];
  const dir = given ?? mkdtempSync(join(tmpdir(), 'k3ts-sqlite-raw-'));
  try {
    const result = await measureRawSqlite(dir);
    console.log(`raw SQLite (WAL, synchronous=FULL): ${result.txPerSec} single-row INSERT transactions/s`);
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}
