// Test helper process for sqlite.test.ts: creates keys from many concurrent writers forever and prints
// each key once its create has resolved, so the parent can kill it mid-flight with SIGKILL and check
// that every acknowledged key survived. Usage: node --import tsx crash-writer.ts <db path>

import { SqliteBackend } from './sqlite-backend.js';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer <db path>');
const backend = SqliteBackend.open({ path, autoCompaction: { intervalMs: 0 } });
const value = JSON.stringify({ payload: 'x'.repeat(512) });
let next = 0;

async function writer(): Promise<never> {
  for (;;) {
    const key = `/crash/k${next++}`;
    await backend.create(key, value);
    process.stdout.write(`${key}\n`);
  }
}

await Promise.all(Array.from({ length: 16 }, () => writer()));
