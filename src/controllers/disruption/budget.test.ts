import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disruptionsAllowed, expectation, needsScale, percentOf } from './budget.js';

test('an integer minAvailable is compared with the pods found, not the controllers\' scale', () => {
  assert.equal(needsScale({ minAvailable: 2 }), false);
  assert.deepEqual(expectation({ minAvailable: 2 }, 3, 99), { expectedPods: 3, desiredHealthy: 2 });
  assert.equal(disruptionsAllowed(3, expectation({ minAvailable: 2 }, 3, 0)), 1);
  assert.equal(disruptionsAllowed(2, expectation({ minAvailable: 2 }, 3, 0)), 0);
});

test('a minAvailable percentage of the scale rounds up', () => {
  assert.equal(needsScale({ minAvailable: '50%' }), true);
  assert.deepEqual(expectation({ minAvailable: '50%' }, 3, 3), { expectedPods: 3, desiredHealthy: 2 });
  assert.deepEqual(expectation({ minAvailable: '34%' }, 3, 3), { expectedPods: 3, desiredHealthy: 2 });
  assert.deepEqual(expectation({ minAvailable: '33%' }, 3, 3), { expectedPods: 3, desiredHealthy: 1 });
  assert.deepEqual(expectation({ minAvailable: '100%' }, 5, 5), { expectedPods: 5, desiredHealthy: 5 });
  assert.deepEqual(expectation({ minAvailable: '0%' }, 5, 5), { expectedPods: 5, desiredHealthy: 0 });
  assert.equal(disruptionsAllowed(3, expectation({ minAvailable: '50%' }, 3, 3)), 1);
});

test('maxUnavailable (number or percentage, rounded up) is taken from the scale; desired never below 0', () => {
  assert.equal(needsScale({ maxUnavailable: 1 }), true);
  assert.deepEqual(expectation({ maxUnavailable: 1 }, 3, 3), { expectedPods: 3, desiredHealthy: 2 });
  // 50% of 3 is 1.5, rounded up to 2 that may be unavailable: 1 must stay.
  assert.deepEqual(expectation({ maxUnavailable: '50%' }, 3, 3), { expectedPods: 3, desiredHealthy: 1 });
  assert.deepEqual(expectation({ maxUnavailable: '10%' }, 10, 10), { expectedPods: 10, desiredHealthy: 9 });
  assert.deepEqual(expectation({ maxUnavailable: '1%' }, 10, 10), { expectedPods: 10, desiredHealthy: 9 });
  assert.deepEqual(expectation({ maxUnavailable: 5 }, 3, 3), { expectedPods: 3, desiredHealthy: 0 });
  assert.deepEqual(expectation({ maxUnavailable: 0 }, 3, 3), { expectedPods: 3, desiredHealthy: 3 });
  assert.equal(disruptionsAllowed(3, expectation({ maxUnavailable: 0 }, 3, 3)), 0);
  // The scale counts, not the pods found: 2 of 4 wanted are up and 1 may be missing, so none may go.
  assert.equal(disruptionsAllowed(2, expectation({ maxUnavailable: 1 }, 2, 4)), 0);
});

test('nothing expected, or neither field set, allows no disruption', () => {
  assert.deepEqual(expectation({}, 3, 0), { expectedPods: 0, desiredHealthy: 0 });
  assert.equal(disruptionsAllowed(3, expectation({}, 3, 0)), 0);
  assert.equal(disruptionsAllowed(0, expectation({ minAvailable: 0 }, 0, 0)), 0);
  assert.equal(disruptionsAllowed(5, expectation({ maxUnavailable: '50%' }, 5, 0)), 0);
});

test('a percentage string must end in %', () => {
  assert.equal(percentOf('25%', 7), 2);
  assert.throws(() => percentOf('2', 3), /string is not a percentage/);
});
