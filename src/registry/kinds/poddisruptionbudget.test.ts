// policy/v1 PodDisruptionBudget validation, worded as kube-apiserver words it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { podDisruptionBudget } from './poddisruptionbudget.js';
import { podDisruptionBudgetTable } from '../tables/poddisruptionbudget.js';

const meta = { name: 'web', namespace: 'default' };
const selector = { matchLabels: { app: 'web' } };
const errs = (spec: unknown) =>
  podDisruptionBudget.validate!({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta, spec } as KObject, {}).map((e) => `${e.field}: ${e.message}`);
const statusErrs = (status: unknown) =>
  podDisruptionBudget.validateStatus!({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta, spec: { selector }, status } as KObject, {}).map((e) => `${e.field}: ${e.message}`);

test('valid budgets: a number, a percentage, either field, a policy', () => {
  assert.deepEqual(errs({ selector, minAvailable: 2 }), []);
  assert.deepEqual(errs({ selector, minAvailable: '100%' }), []);
  assert.deepEqual(errs({ selector, maxUnavailable: '0%', unhealthyPodEvictionPolicy: 'AlwaysAllow' }), []);
  assert.deepEqual(errs({ selector: {}, maxUnavailable: 0 }), []);
});

test('minAvailable and maxUnavailable together are refused', () => {
  const got = errs({ selector, minAvailable: 1, maxUnavailable: 1 });
  assert.equal(got.length, 1);
  assert.match(got[0]!, /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
});

test('numbers below 0, percentages above 100% or malformed, unknown policies', () => {
  assert.deepEqual(errs({ selector, minAvailable: -1 }), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(errs({ selector, maxUnavailable: '101%' }), ['spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%']);
  assert.deepEqual(errs({ selector, minAvailable: 'half' }), [
    "spec.minAvailable: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
  ]);
  assert.deepEqual(errs({ selector, minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' }), [
    'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"',
  ]);
});

test('status counts may not be negative', () => {
  assert.deepEqual(statusErrs({ disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 }), []);
  assert.deepEqual(statusErrs({ disruptionsAllowed: -1 }), ['status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0']);
});

test('kubectl get pdb: N/A for the field not set, the disruptions allowed', () => {
  assert.deepEqual(podDisruptionBudgetTable.columns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  const now = new Date('2026-01-01T00:01:00Z');
  const obj = { metadata: { ...meta, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { selector, maxUnavailable: '25%' }, status: { disruptionsAllowed: 1 } } as KObject;
  assert.deepEqual(podDisruptionBudgetTable.cells(obj, now), ['web', 'N/A', '25%', 1, '60s']);
});
