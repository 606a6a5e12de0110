import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue, type QueueOptions } from './queue.js';
import { fakeClock } from '../../test/support/fake-clock.js';

function queueWith(extra: QueueOptions = {}) {
  const time = fakeClock();
  let wakes = 0;
  const q = new SchedulingQueue({ now: time.now, setTimer: time.setTimer, onActive: () => wakes++, ...extra });
  const drain = () => {
    const out: string[] = [];
    for (let uid = q.pop(); uid !== undefined; uid = q.pop()) out.push(uid);
    return out;
  };
  return { q, time, drain, wakes: () => wakes };
}

describe('scheduling queue', () => {
  it('hands out higher priority first, then in arrival order, each pod once', () => {
    const { q, drain, wakes } = queueWith();
    q.add('a', 0);
    q.add('b', 100);
    q.add('c', 0);
    q.add('a', 0);
    assert.deepEqual(drain(), ['b', 'a', 'c']);
    assert.equal(wakes(), 3);
  });

  it('parks an unschedulable pod until a change, but not before its backoff has run out', () => {
    const { q, time, drain } = queueWith();
    q.add('p', 0);
    drain();
    q.unschedulable('p');
    q.moveAllToActive(); // within the first 1 s backoff
    assert.deepEqual(drain(), []);
    time.advanceNow(1000);
    assert.deepEqual(drain(), ['p']);
    q.unschedulable('p'); // second failure: 2 s
    time.advanceNow(1500);
    q.moveAllToActive();
    assert.deepEqual(drain(), []);
    time.advanceNow(500);
    assert.deepEqual(drain(), ['p']);
  });

  it('does not retry a parked pod on its own before the retry interval', () => {
    const { q, time, drain } = queueWith({ retryUnschedulableMs: 30_000 });
    q.add('p', 0);
    drain();
    q.unschedulable('p');
    time.advanceNow(29_000);
    assert.deepEqual(drain(), []);
    time.advanceNow(1000);
    assert.deepEqual(drain(), ['p']);
  });

  it('caps the backoff at 10 s', () => {
    const { q, time, drain } = queueWith();
    q.add('p', 0);
    for (let i = 0; i < 8; i++) {
      drain();
      q.retry('p');
      time.advanceNow(9_999);
      if (i >= 4) assert.deepEqual(drain(), [], `attempt ${i + 1} waits 10 s`);
      time.advanceNow(1);
    }
    assert.deepEqual(drain(), ['p']);
  });

  it('wakes a parked pod whose spec changed, and forgets deleted pods', () => {
    const { q, time, drain } = queueWith();
    q.add('p', 0);
    q.add('gone', 0);
    drain();
    q.unschedulable('p');
    q.unschedulable('gone');
    q.delete('gone');
    time.advanceNow(1000);
    q.add('p', 0); // same spec: stays parked
    assert.deepEqual(drain(), []);
    q.add('p', 0, { changed: true });
    assert.deepEqual(drain(), ['p']);
  });

  it('hands out nothing once closed', () => {
    const { q, drain } = queueWith();
    q.add('p', 0);
    q.close();
    q.add('q', 0);
    assert.deepEqual(drain(), []);
  });
});
