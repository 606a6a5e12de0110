import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMilli, milliValue, parseGoDurationMs } from './units.js';

test('milli-values and their DecimalSI form', () => {
  assert.equal(milliValue('100m'), 100);
  assert.equal(milliValue('0.1'), 100);
  assert.equal(milliValue('1'), 1000);
  assert.equal(milliValue('64Mi'), 64 * 1024 * 1024 * 1000);
  assert.equal(milliValue('x'), undefined);
  assert.deepEqual([250, 2000, 2_000_000_000, 1500].map(formatMilli), ['250m', '2', '2M', '1500m']);
});

test('Go durations', () => {
  assert.deepEqual(['30s', '1m30s', '10.5s', '250ms', '', 'x'].map(parseGoDurationMs), [30_000, 90_000, 10_500, 250, 0, 0]);
});
