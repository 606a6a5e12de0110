import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resourceReplicas, defaultCalcOptions } from './replica-calculator.js';
import type { PodMetricsInfo } from './pod-metrics.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const longAgo = '2026-01-01T11:00:00Z';
const o = defaultCalcOptions(NOW);

function pod(name: string, opts: { cpu?: string; phase?: string; ready?: boolean } = {}): Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'c', resources: opts.cpu === undefined ? {} : { requests: { cpu: opts.cpu } } }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: longAgo,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: longAgo }],
    },
  };
}
const usage = (entries: Record<string, number>): PodMetricsInfo =>
  new Map(Object.entries(entries).map(([k, v]) => [k, { value: v, timestampMs: NOW - 10_000, windowMs: 30_000 }]));
const cpu = (utilization: number) => ({ resource: 'cpu', utilization });

test('utilization above target scales up to ceil(ratio x ready pods)', () => {
  const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m' }), pod('c', { cpu: '100m' })];
  const p = resourceReplicas(3, cpu(50), pods, usage({ a: 90, b: 90, c: 90 }), o);
  assert.deepEqual(p, { replicas: 6, utilization: 90, averageValueMilli: 90 });
});

test('a ratio within the 0.1 tolerance keeps the current count', () => {
  const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m' })];
  assert.equal(resourceReplicas(2, cpu(50), pods, usage({ a: 54, b: 54 }), o).replicas, 2);
  assert.equal(resourceReplicas(2, cpu(50), pods, usage({ a: 44, b: 44 }), o).replicas, 2);
  assert.equal(resourceReplicas(2, cpu(50), pods, usage({ a: 60, b: 60 }), o).replicas, 3);
});

test('on a scale-down, a pod without metrics counts as using its whole request', () => {
  const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n, { cpu: '100m' }));
  // Naively ceil(0.2 x 3) = 1; with d at 100%: (30 + 100) / 400 = 32% -> ceil(0.64 x 4) = 3.
  assert.equal(resourceReplicas(4, cpu(50), pods, usage({ a: 10, b: 10, c: 10 }), o).replicas, 3);
});

test('on a scale-up, pending pods count as using nothing', () => {
  const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m' }), pod('p', { cpu: '100m', phase: 'Pending' })];
  // 200% of target on a and b; with p at 0: 66% -> ratio 1.32 x 3 pods -> 4.
  assert.equal(resourceReplicas(3, cpu(50), pods, usage({ a: 100, b: 100 }), o).replicas, 4);
});

test('a scale-up that the missing pods would turn into a scale-down keeps the count', () => {
  const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n, { cpu: '100m' }));
  // a at 60% (ratio 1.2); with b, c, d at 0 the ratio drops below 1: no change.
  assert.equal(resourceReplicas(4, cpu(50), pods, usage({ a: 60 }), o).replicas, 4);
});

test('a CPU sample of a pod that is not ready is not trusted', () => {
  const pods = [pod('a', { cpu: '100m' }), pod('b', { cpu: '100m', ready: false })];
  // b's 10m would pull the average down; ignored, a alone is at 100%, then b counts as 0 on the way up.
  const p = resourceReplicas(2, cpu(50), pods, usage({ a: 100, b: 10 }), o);
  assert.equal(p.utilization, 100);
  assert.equal(p.replicas, 2); // (100 + 0) / 200 = 50%: within tolerance once b is counted as idle
});

test('a missing request is upstream\'s error and no proposal', () => {
  const pods = [pod('web-1', { cpu: '100m' }), pod('web-2')];
  assert.throws(() => resourceReplicas(2, cpu(50), pods, usage({ 'web-1': 90, 'web-2': 90 }), o), { message: 'missing request for cpu in container c of Pod web-2' });
});

test('average value targets divide usage by pods, not by requests', () => {
  const pods = [pod('a'), pod('b')];
  const p = resourceReplicas(2, { resource: 'cpu', averageValueMilli: 100 }, pods, usage({ a: 200, b: 200 }), o);
  assert.deepEqual(p, { replicas: 4, averageValueMilli: 200 });
});

test('no pods, or no usable metrics, is an error', () => {
  assert.throws(() => resourceReplicas(1, cpu(50), [], usage({}), o), /no pods returned by selector/);
  assert.throws(() => resourceReplicas(1, cpu(50), [pod('a', { cpu: '1', phase: 'Pending' })], usage({ a: 1 }), o), /did not receive metrics for targeted pods/);
});
