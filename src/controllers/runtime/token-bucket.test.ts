import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.js';

test('a burst goes at once, then takers are paced at the rate, in the order they asked', async () => {
  let now = 0;
  const slept: number[] = [];
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: () => now, sleep: async (ms) => {
    slept.push(ms);
    now += ms;
  } });
  const order: number[] = [];
  await Promise.all(Array.from({ length: 6 }, (_, i) => bucket.take().then(() => order.push(i))));
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(slept.map(Math.round), [100, 100, 100], 'three beyond the burst wait 1/rate each');
  now += 1000;
  slept.length = 0;
  for (let i = 0; i < 3; i++) await bucket.take();
  assert.deepEqual(slept, [], 'a quiet second refills the burst (and no more)');
  await bucket.take();
  assert.equal(slept.length, 1);
});
