import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from './bound-metrics.js';

test('bound counters and histograms expose exactly what prom-client\'s own would', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const def = { name: 'x_seconds', help: 'x', labelNames: ['a', 'b'], buckets: [0.1, 1, 10] };
  const h1 = new BoundHistogram({ ...def, registers: [ours] });
  const h2 = new Histogram({ ...def, registers: [theirs] });
  const c1 = new BoundCounter({ name: 'y_total', help: 'y', labelNames: ['a'], registers: [ours] });
  const c2 = new Counter({ name: 'y_total', help: 'y', labelNames: ['a'], registers: [theirs] });
  const bound = h1.labels('p', 'q');
  for (const v of [0.05, 0.1, 0.5, 3, 20, 0]) {
    bound.observe(v);
    h2.labels('p', 'q').observe(v);
  }
  h1.labels('r', 's').observe(2);
  h2.labels('r', 's').observe(2);
  for (let i = 0; i < 3; i++) {
    c1.labels('p').inc();
    c2.labels('p').inc();
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
});
