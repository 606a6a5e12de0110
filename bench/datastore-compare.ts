// `npm run bench -- --datastore all --rounds 2`: the API-server phases on several datastores, each run
// a `bench/run.js --datastore <one>` process of its own (a fresh server and datastore every time), the
// datastores interleaved round by round so a busy spell on this shared machine hits all of them alike.
// Prints one table of medians with (min–max) per datastore, the targets of issue 12 with verdicts, and
// a last line of JSON holding every run's own JSON. With --baseline <dir> (another checkout, built),
// each datastore is also run on that build, right before this one's run: before and after, measured
// in the same machine state.

import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatastoreKind } from './datastores.js';
import { round2 } from './stats.js';

/** The middle value, or the mean of the two middle ones (stats.ts's median is nearest-rank, which for
 *  two runs would report the lower). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type RunJson = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Figure {
  name: string;
  pick(r: RunJson): number | undefined;
  /** Higher is better (throughput) or lower (latency): only for the verdicts. */
  unit: 'req/s' | 'ms' | 'MB' | 's' | '';
  upstream?: string;
}

const perCreate = (cpuS: number | undefined, n: number | undefined): number | undefined => (cpuS === undefined || !n ? undefined : (cpuS * 1000) / n);

const FIGURES: Figure[] = [
  { name: 'create c=1 req/s', pick: (r) => r.createC1?.reqPerSec, unit: 'req/s', upstream: '662' },
  { name: 'create c=1 p50 ms', pick: (r) => r.createC1?.p50Ms, unit: 'ms', upstream: '1.3' },
  { name: 'create c=1 req/s, server warm (last)', pick: (r) => r.createC1Warm?.reqPerSec, unit: 'req/s' },
  { name: 'create c=32 req/s', pick: (r) => r.createC32?.reqPerSec, unit: 'req/s', upstream: '2,202' },
  { name: 'create c=32 p50 ms', pick: (r) => r.createC32?.p50Ms, unit: 'ms', upstream: '13' },
  { name: 'create c=32 p99 ms', pick: (r) => r.createC32?.p99Ms, unit: 'ms', upstream: '43' },
  { name: 'LIST 5,000 p50 ms', pick: (r) => r.list5k?.p50Ms, unit: 'ms' },
  { name: 'LIST 10,000 p50 ms', pick: (r) => r.list10k?.p50Ms, unit: 'ms', upstream: '165' },
  { name: 'LIST 10,000 p99 ms', pick: (r) => r.list10k?.p99Ms, unit: 'ms', upstream: '327' },
  { name: 'LIST limit=500, all 10,000 ms', pick: (r) => r.paged10k?.fullP50Ms, unit: 'ms', upstream: '289' },
  { name: 'watch lag p50 ms (50x500)', pick: (r) => r.watch?.lagP50Ms, unit: 'ms', upstream: '0.7' },
  { name: 'watch lag p99 ms', pick: (r) => r.watch?.lagP99Ms, unit: 'ms', upstream: '4.1' },
  { name: 'watch events lost', pick: (r) => r.watch?.lost, unit: '', upstream: '0' },
  { name: 'update (PUT) p50 ms, in the watch phase', pick: (r) => r.watch?.updateP50Ms, unit: 'ms' },
  { name: 'GET req/s (serial)', pick: (r) => r.get?.reqPerSec, unit: 'req/s', upstream: '1,314' },
  { name: 'GET p50 ms', pick: (r) => r.get?.p50Ms, unit: 'ms', upstream: '0.68' },
  { name: 'server RSS after load MB', pick: (r) => r.memory?.rssAfterLoadMb, unit: 'MB', upstream: '~520' },
  { name: 'server CPU during load s', pick: (r) => r.serverCpuS?.load, unit: 's' },
  // CPU per request suffers less from a busy machine than throughput does.
  { name: 'server CPU per create, c=1 ms', pick: (r) => perCreate(r.serverCpuS?.createC1, r.params?.n), unit: 'ms' },
  { name: 'server CPU per create, c=32 ms', pick: (r) => perCreate(r.serverCpuS?.createC32, r.params?.n), unit: 'ms' },
  { name: 'datastore CPU during load s', pick: (r) => r.datastoreCpuLoadS, unit: 's' },
  { name: 'raw SQLite fsync-ed tx/s (disk)', pick: (r) => r.rawSqlite?.txPerSec, unit: '' },
  { name: 'load average at start (1 min)', pick: (r) => r.loadavgStart?.[0], unit: '' },
];

const runJs = fileURLToPath(new URL('./run.js', import.meta.url));

function runOne(script: string, kind: DatastoreKind, passThrough: string[]): Promise<RunJson> {
  return new Promise((resolve, reject) => {
    // The nodes, pods and network benches do not depend on the datastore: not part of a comparison.
    const args = [script, '--datastore', kind, '--no-nodes', '--no-pods', '--no-network', ...passThrough];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as RunJson);
      } catch {
        reject(new Error(`the ${kind} run (exit ${code}) printed no JSON line:\n${out.slice(-2000)}`));
      }
    });
  });
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(round2(x)));

/** "median (min–max)" of the runs, or just the value for one run. */
function cell(values: number[]): string {
  if (values.length === 0) return '—';
  const m = fmt(median(values));
  return values.length === 1 ? m : `${m} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const width = header.map((_, i) => Math.max(...all.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => c.map((x, i) => (x ?? '').padEnd(width[i]!)).join('  ').trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function medianOf(runs: RunJson[], pick: (r: RunJson) => number | undefined): number {
  return median(runs.map(pick).filter((v): v is number => typeof v === 'number'));
}

/** Issue 12's targets, each with the medians it compares. */
function verdicts(byKind: Map<DatastoreKind, RunJson[]>): string[] {
  const lines: string[] = [];
  const m = (kind: DatastoreKind, pick: (r: RunJson) => number | undefined) => (byKind.has(kind) ? medianOf(byKind.get(kind)!, pick) : NaN);
  const say = (text: string, pass: boolean) => lines.push(`${pass ? 'pass' : 'MISS'}  ${text}`);
  if (byKind.has('etcd')) {
    const c1 = m('etcd', (r) => r.createC1?.reqPerSec);
    const c32 = m('etcd', (r) => r.createC32?.reqPerSec);
    const list = m('etcd', (r) => r.list10k?.p50Ms);
    say(`etcd create c=1 ${fmt(c1)} req/s >= upstream's 662`, c1 >= 662);
    say(`etcd create c=32 ${fmt(c32)} req/s >= upstream's 2,202`, c32 >= 2202);
    say(`etcd LIST 10,000 p50 ${fmt(list)} ms <= upstream's 165 ms`, list <= 165);
  }
  if (byKind.has('postgres') && byKind.has('sqlite')) {
    for (const [name, pick, higherBetter] of [
      ['create c=1 req/s', (r: RunJson) => r.createC1?.reqPerSec, true],
      ['create c=32 req/s', (r: RunJson) => r.createC32?.reqPerSec, true],
      ['LIST 10,000 p50 ms', (r: RunJson) => r.list10k?.p50Ms, false],
      ['watch lag p50 ms', (r: RunJson) => r.watch?.lagP50Ms, false],
      ['GET req/s', (r: RunJson) => r.get?.reqPerSec, true],
    ] as const) {
      const pg = m('postgres', pick);
      const lite = m('sqlite', pick);
      const ratio = higherBetter ? lite / pg : pg / lite;
      say(`PostgreSQL ${name} ${fmt(pg)} vs SQLite ${fmt(lite)}: ${ratio.toFixed(2)}x ${higherBetter ? 'slower' : 'longer'} (within 2x)`, ratio <= 2);
    }
  }
  return lines;
}

export async function compareDatastores(opts: { datastores: DatastoreKind[]; rounds: number; passThrough: string[]; baseline?: string; log(msg: string): void }): Promise<void> {
  const byKind = new Map<DatastoreKind, RunJson[]>(opts.datastores.map((k) => [k, []]));
  const before = new Map<DatastoreKind, RunJson[]>(opts.datastores.map((k) => [k, []]));
  const loadStart = loadavg().map(round2);
  for (let round = 1; round <= opts.rounds; round++) {
    for (const kind of opts.datastores) {
      if (opts.baseline) {
        opts.log(`round ${round}/${opts.rounds}: ${kind} on the baseline (${opts.baseline})`);
        before.get(kind)!.push(await runOne(join(opts.baseline, 'dist', 'bench', 'run.js'), kind, opts.passThrough));
      }
      opts.log(`round ${round}/${opts.rounds}: ${kind}`);
      byKind.get(kind)!.push(await runOne(runJs, kind, opts.passThrough));
    }
  }
  const columns = opts.datastores.flatMap((k) => [
    ...(opts.baseline ? [{ label: `${byKind.get(k)![0]?.datastore?.label ?? k}, before`, runs: before.get(k)! }] : []),
    { label: byKind.get(k)![0]?.datastore?.label ?? k, runs: byKind.get(k)! },
  ]);
  const labels = columns.map((c) => c.label);
  const rows = FIGURES.map((f) => [f.name, ...columns.map((c) => cell(c.runs.map(f.pick).filter((v): v is number => typeof v === 'number'))), f.upstream ?? '']);
  const commits = [...new Set([...byKind.values()].flat().map((r) => `${r.commit}${r.srcDirty ? '+dirty' : ''}`))].join(', ');
  process.stdout.write(
    `\nk3ts bench per datastore — 5,000+5,000 ConfigMaps of ~1 KB, ${opts.rounds} run(s) each, interleaved; median (min–max); commit ${commits}; load average ${loadStart.join(' ')} at start, ${loadavg().map(round2).join(' ')} at end\n` +
      `${table(['figure', ...labels, 'upstream (kube-apiserver on etcd)'], rows)}\n\n` +
      `targets (issue 12), on the medians:\n${verdicts(byKind).join('\n')}\n` +
      (opts.baseline ? `\nthe same targets on the baseline build:\n${verdicts(before).join('\n')}\n` : ''),
  );
  const json = { tool: 'k3ts-bench-datastores', rounds: opts.rounds, runs: Object.fromEntries(byKind), ...(opts.baseline ? { baseline: opts.baseline, baselineRuns: Object.fromEntries(before) } : {}) };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}
