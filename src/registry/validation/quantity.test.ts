import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity } from './quantity.js';

test('quantities parse like resource.Quantity', () => {
  const cases: Array<[unknown, number | undefined]> = [
    ['100m', 0.1], ['1', 1], ['1.5', 1.5], ['1Ki', 1024], ['128Mi', 128 * 2 ** 20], ['2G', 2e9], ['1e3', 1000],
    ['.5', 0.5], [2, 2], ['-1', -1], ['1 Gi', undefined], ['lots', undefined], ['1Gb', undefined], ['', undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseQuantity(input), want, String(input));
});
