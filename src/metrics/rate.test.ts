import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuHistory, cpuRate } from './rate.js';

test('a rate is the counter difference over the time between two samples', () => {
  // 2 s of 250m: 0.5 core-seconds.
  assert.deepEqual(cpuRate({ timeMs: 1000, usageCoreNanoSeconds: 1e9 }, { timeMs: 3000, usageCoreNanoSeconds: 1.5e9 }), { nanoCores: 250_000_000, windowMs: 2000, timeMs: 3000 });
  assert.equal(cpuRate({ timeMs: 1000, usageCoreNanoSeconds: 5 }, { timeMs: 1000, usageCoreNanoSeconds: 9 }), undefined, 'no time passed');
  assert.equal(cpuRate({ timeMs: 1000, usageCoreNanoSeconds: 9 }, { timeMs: 2000, usageCoreNanoSeconds: 5 }), undefined, 'the counter went back');
});

test('the history spans at least the minimum window, from the newest sample back', () => {
  const h = new CpuHistory({ minWindowMs: 5000, keep: 4 });
  h.add({ timeMs: 0, usageCoreNanoSeconds: 0 });
  assert.equal(h.rate(), undefined, 'one sample is no rate');
  h.add({ timeMs: 2000, usageCoreNanoSeconds: 2e8 });
  assert.equal(h.rate(), undefined, 'a 2 s window is shorter than the minimum');
  h.add({ timeMs: 10_000, usageCoreNanoSeconds: 1e9 });
  assert.deepEqual(h.rate(), { nanoCores: 100_000_000, windowMs: 8000, timeMs: 10_000 }, 'from the 2 s sample, the latest at least 5 s older');
  // Frequent readers: each new sample still measures over >= 5 s.
  h.add({ timeMs: 11_000, usageCoreNanoSeconds: 1.1e9 });
  h.add({ timeMs: 12_000, usageCoreNanoSeconds: 1.2e9 });
  assert.deepEqual(h.rate(), { nanoCores: 100_000_000, windowMs: 10_000, timeMs: 12_000 });
  h.add({ timeMs: 20_000, usageCoreNanoSeconds: 2e9 });
  assert.deepEqual(h.rate(), { nanoCores: 100_000_000, windowMs: 8000, timeMs: 20_000 });
});

test('a sample no newer than the last is ignored; a counter that went back starts over', () => {
  const h = new CpuHistory({ minWindowMs: 1000, keep: 4 });
  h.add({ timeMs: 0, usageCoreNanoSeconds: 0 });
  h.add({ timeMs: 2000, usageCoreNanoSeconds: 2e9 });
  h.add({ timeMs: 2000, usageCoreNanoSeconds: 3e9 });
  assert.equal(h.rate()!.nanoCores, 1e9);
  h.add({ timeMs: 3000, usageCoreNanoSeconds: 1e6 });
  assert.equal(h.rate(), undefined);
  assert.equal(h.latest()!.usageCoreNanoSeconds, 1e6);
});

test('the history stays bounded however often it is fed', () => {
  const h = new CpuHistory({ minWindowMs: 1000, keep: 4 });
  for (let t = 0; t < 100_000; t += 100) h.add({ timeMs: t, usageCoreNanoSeconds: t * 1e6 });
  assert.ok((h as unknown as { samples: unknown[] }).samples.length <= 12);
  assert.equal(h.rate()!.nanoCores, 1e9);
});
