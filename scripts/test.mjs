#!/usr/bin/env node
// The runner behind `npm test` (after `npm run build`): provides kubectl 1.35 (and helm 3 and 4 when
// the helm e2e test is among the files), then runs every
// compiled test file under dist/src and dist/test with node:test, the spec reporter on stdout, and
// prints `N passed, M failed[, K skipped]` as the very last line. Load tests (test/soak) run last,
// alone. `node scripts/test.mjs <substring>` runs only the files whose path contains one of the
// given substrings.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchHelm, fetchKubectl } from './fetch-kubectl.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Two cores: e2e files each start an API server plus many kubectl processes.
const CONCURRENCY = 2;
// node:test applies --test-timeout to each file's process as a whole (and kills it) as well as to
// each test; e2e files set tighter per-test timeouts themselves.
const FILE_TIMEOUT_MS = 240_000;

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

const filters = process.argv.slice(2);
const files = [...testFiles(join(root, 'dist', 'src')), ...testFiles(join(root, 'dist', 'test'))]
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));

if (files.length === 0) {
  console.error(`no compiled test files${filters.length ? ` matching ${filters.join(', ')}` : ''} under dist/ (run npm run build first)`);
  console.log('0 passed, 0 failed');
  process.exit(1);
}

// A missing kubectl must not stop the unit tests: the e2e tests report it as their own failure.
try {
  console.log(`kubectl 1.35: ${fetchKubectl()}`);
} catch (err) {
  console.log(`fetch-kubectl: ${err.message}`);
}
// helm is only for the helm e2e test, which says itself what is missing.
for (const major of [3, 4]) {
  if (!files.some((f) => f.includes('helm'))) break;
  try {
    console.log(`helm ${major}: ${fetchHelm(major)}`);
  } catch (err) {
    console.log(`fetch-helm ${major}: ${err.message}`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'k3ts-test-'));
let current;
const forward = (signal) => current?.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

/** Runs `batch` under node --test; resolves with its counts. */
async function runBatch(batch, concurrency, name) {
  const countsFile = join(work, `${name}.json`);
  current = spawn(process.execPath, [
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'test-count-reporter.mjs')}`, `--test-reporter-destination=${countsFile}`,
    ...batch,
  ], { cwd: root, stdio: 'inherit' });
  const code = await new Promise((res) => current.on('exit', (c, s) => res(c ?? (s ? 1 : 0))));
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8').trim().split('\n').pop());
  } catch {
    // The runner died before reporting: count the whole run as one failure.
    counts.failed = Math.max(counts.failed, 1);
  }
  // node --test can fail without a failing test (e.g. a file that exits early): never report green then.
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

// Load tests (test/soak) saturate both cores on purpose: they run after everything else, alone, so
// they neither disturb the timing of other tests nor are disturbed by them.
const alone = files.filter((f) => relative(root, f).startsWith(join('dist', 'test', 'soak')));
const together = files.filter((f) => !alone.includes(f));
const counts = { passed: 0, failed: 0, skipped: 0 };
for (const [batch, concurrency, name] of [[together, CONCURRENCY, 'together'], [alone, 1, 'alone']]) {
  if (batch.length === 0) continue;
  const c = await runBatch(batch, concurrency, name);
  counts.passed += c.passed;
  counts.failed += c.failed;
  counts.skipped += c.skipped;
}
rmSync(work, { recursive: true, force: true });
const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
console.log(`${counts.passed} passed, ${counts.failed} failed${skipped}`);
process.exit(counts.failed > 0 ? 1 : 0);
