import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageOf, humanDuration } from './age.js';

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H, Y = 365 * D;

test('ages at each unit boundary read like kubectl', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'], [119 * S, '119s'], [2 * M, '2m'], [2 * M + 5 * S, '2m5s'], [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'], [179 * M, '179m'], [3 * H, '3h'], [3 * H + 5 * M, '3h5m'], [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'], [47 * H, '47h'], [48 * H, '2d'], [3 * D + 4 * H, '3d4h'], [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'], [2 * Y - D, '729d'], [2 * Y, '2y'], [2 * Y + 10 * D, '2y10d'], [8 * Y, '8y'], [20 * Y + 5 * D, '20y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('a timestamp slightly ahead is now, further ahead is invalid', () => {
  assert.equal(humanDuration(-999), '0s');
  assert.equal(humanDuration(-1999), '0s');
  assert.equal(humanDuration(-2000), '<invalid>');
});

test('ageOf measures from now and reports missing timestamps as unknown', () => {
  const now = new Date('2025-03-10T12:00:00Z');
  assert.equal(ageOf('2025-03-07T12:00:00Z', now), '3d');
  assert.equal(ageOf('2025-03-10T11:55:00Z', now), '5m');
  assert.equal(ageOf(undefined, now), '<unknown>');
  assert.equal(ageOf('', now), '<unknown>');
  assert.equal(ageOf('0001-01-01T00:00:00Z', now), '<unknown>');
});
