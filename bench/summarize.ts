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

function combine(values: Json[]): Json {
  const first = values[0];
  if (values.every((v) => JSON.stringify(v) === JSON.stringify(first))) return first!;
  if (typeof first === 'number') return round2(median(values.filter((v): v is number => typeof v === 'number')));
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(first)) {
      out[key] = combine(values.map((v) => (v as Record<string, Json>)[key] ?? null));
    }
    return out;
  }
  return values; // strings and arrays that differ: each run's
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node dist/bench/summarize.js <bench output> [...]\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify({ runs: files.length, median: combine(files.map(lastJsonLine)) })}\n`);
