import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('hands out a key once however often it was added while waiting', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(await q.next(), 'a');
    assert.equal(await q.next(), 'b');
    q.done('a');
    q.done('b');
    q.add('c');
    q.close();
    assert.equal(await q.next(), undefined, 'nothing is handed out once closed');
  });

  it('processes a key again when it changed while being processed', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.next();
    q.add('a');
    q.done(key!);
    assert.equal(await q.next(), 'a');
    q.close();
  });

  it('backs off failed keys exponentially', () => {
    const delays: number[] = [];
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50, setTimer: (_fn, ms) => (delays.push(ms), { cancel() {} }) });
    for (let i = 0; i < 5; i++) q.retry('x');
    assert.deepEqual(delays, [10, 20, 40, 50, 50]);
    q.forget('x');
    q.retry('x');
    assert.equal(delays.at(-1), 10);
    q.close();
  });
});
