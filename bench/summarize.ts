// Medians over several `npm run bench` outputs: reads the last line (the JSON object) of each file given
// and prints one JSON object of the same shape whose numbers are the medians across the runs (arrays of
// numbers are kept per run). Used for docs/performance.md:
//   for i in 1 2 3; do npm run bench > run$i.txt; done; node dist/bench/summarize.js run*.txt
import { readFileSync } from 'node:fs';
import { median, round2 } from './stats.js';

type Json = number | string | boolean | null | Json[] | { [k: string]: Json };

function lastJsonLine(path: string): Json {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Json;
}

const isRecord = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

function combine(values: Json[]): Json {
  // A figure some runs lack (`--no-nodes`, or nodes.js output next to run.js output) is combined over
  // the runs that have it.
  const present = values.filter((v) => v !== null && v !== undefined);
  const first = present[0] ?? null;
  if (present.every((v) => JSON.stringify(v) === JSON.stringify(first))) return first;
  if (typeof first === 'number') return round2(median(present.filter((v): v is number => typeof v === 'number')));
  if (isRecord(first)) {
    const records = present.filter(isRecord);
    const out: Record<string, Json> = {};
    for (const key of new Set(records.flatMap((r) => Object.keys(r)))) {
      out[key] = combine(records.map((r) => r[key] ?? null));
    }
    return out;
  }
  return present; // strings and arrays that differ: each run's
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node dist/bench/summarize.js <bench output> [...]\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ runs: files.length, median: combine(files.map(lastJsonLine)) })}\n`);
