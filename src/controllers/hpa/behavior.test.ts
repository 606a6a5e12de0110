import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock } from '../../../test/support/fake-clock.js';
import { completeBehavior, newMemory, normalizeWithBehavior, normalizeWithoutBehavior, recordInitialRecommendation, recordScaleEvent, scaleUpLimit } from './behavior.js';

const FIVE_MIN = 300_000;

test('without behavior: scale-down waits for the highest recommendation of the window to age out', () => {
  const clock = fakeClock(1_000_000);
  const mem = newMemory();
  recordInitialRecommendation(mem, 3, clock.now());
  const base = { minReplicas: 1, maxReplicas: 10, downscaleStabilizationMs: FIVE_MIN };
  const up = normalizeWithoutBehavior(mem, { ...base, currentReplicas: 3, desiredReplicas: 6, nowMs: clock.now() });
  assert.equal(up.replicas, 6);
  assert.equal(up.ableToScale.reason, 'ReadyForNewScale');
  assert.deepEqual(up.scalingLimited, { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });

  clock.advanceNow(60_000);
  const held = normalizeWithoutBehavior(mem, { ...base, currentReplicas: 6, desiredReplicas: 2, nowMs: clock.now() });
  assert.equal(held.replicas, 6);
  assert.deepEqual(held.ableToScale, { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });

  clock.advanceNow(FIVE_MIN - 30_000); // 6 was recommended 330 s ago, 2 only 270 s ago
  assert.equal(normalizeWithoutBehavior(mem, { ...base, currentReplicas: 6, desiredReplicas: 2, nowMs: clock.now() }).replicas, 2);
});

test('without behavior: at most double (and at least 4) per sync, and the bounds, each with its reason', () => {
  const mem = newMemory();
  const r = normalizeWithoutBehavior(mem, { currentReplicas: 2, desiredReplicas: 20, minReplicas: 1, maxReplicas: 30, nowMs: 0, downscaleStabilizationMs: 0 });
  assert.equal(r.replicas, 4);
  assert.deepEqual(r.scalingLimited, { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
  const max = normalizeWithoutBehavior(newMemory(), { currentReplicas: 10, desiredReplicas: 50, minReplicas: 1, maxReplicas: 12, nowMs: 0, downscaleStabilizationMs: 0 });
  assert.deepEqual([max.replicas, max.scalingLimited.reason], [12, 'TooManyReplicas']);
  const min = normalizeWithoutBehavior(newMemory(), { currentReplicas: 5, desiredReplicas: 1, minReplicas: 3, maxReplicas: 12, nowMs: 0, downscaleStabilizationMs: 0 });
  assert.deepEqual([min.replicas, min.scalingLimited.reason], [3, 'TooFewReplicas']);
});

test('behavior defaults: scale up by the larger of 4 pods and 100% per 15 s', () => {
  const rules = completeBehavior({}, FIVE_MIN);
  assert.equal(rules.down.stabilizationWindowSeconds, 300);
  assert.equal(scaleUpLimit(1, newMemory(), rules.up, 0), 5);
  assert.equal(scaleUpLimit(10, newMemory(), rules.up, 0), 20);
});

test('a Pods policy counts what was already removed in its period', () => {
  const clock = fakeClock(0);
  const mem = newMemory();
  const rules = completeBehavior({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }, FIVE_MIN);
  const args = { desiredReplicas: 2, minReplicas: 1, maxReplicas: 20 };
  const first = normalizeWithBehavior(mem, { ...args, currentReplicas: 10, nowMs: clock.now() }, rules);
  assert.deepEqual([first.replicas, first.scalingLimited.status, first.scalingLimited.reason], [9, 'True', 'ScaleDownLimit']);
  recordScaleEvent(mem, rules, 10, 9, clock.now());
  clock.advanceNow(30_000);
  assert.equal(normalizeWithBehavior(mem, { ...args, currentReplicas: 9, nowMs: clock.now() }, rules).replicas, 9);
  clock.advanceNow(31_000);
  assert.equal(normalizeWithBehavior(mem, { ...args, currentReplicas: 9, nowMs: clock.now() }, rules).replicas, 8);
});

test('selectPolicy Min takes the smallest change; Disabled none', () => {
  const policies = [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }];
  assert.equal(scaleUpLimit(10, newMemory(), completeBehavior({ scaleUp: { selectPolicy: 'Min', policies } }, 0).up, 0), 14);
  const disabled = completeBehavior({ scaleUp: { selectPolicy: 'Disabled' } }, 0);
  const r = normalizeWithBehavior(newMemory(), { currentReplicas: 3, desiredReplicas: 9, minReplicas: 1, maxReplicas: 20, nowMs: 0 }, disabled);
  assert.deepEqual([r.replicas, r.scalingLimited.reason], [3, 'ScaleUpLimit']);
});

test('a scale-up window applies the lowest recent recommendation', () => {
  const clock = fakeClock(0);
  const mem = newMemory();
  const rules = completeBehavior({ scaleUp: { stabilizationWindowSeconds: 60 } }, FIVE_MIN);
  recordInitialRecommendation(mem, 2, clock.now());
  clock.advanceNow(10_000);
  const held = normalizeWithBehavior(mem, { currentReplicas: 2, desiredReplicas: 5, minReplicas: 1, maxReplicas: 10, nowMs: clock.now() }, rules);
  assert.deepEqual([held.replicas, held.ableToScale.reason], [2, 'ScaleUpStabilized']);
  clock.advanceNow(60_000);
  assert.equal(normalizeWithBehavior(mem, { currentReplicas: 2, desiredReplicas: 5, minReplicas: 1, maxReplicas: 10, nowMs: clock.now() }, rules).replicas, 5);
});
