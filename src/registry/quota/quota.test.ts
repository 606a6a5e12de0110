// Quota arithmetic and decisions, checked against what upstream answers for the same inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addAmounts, amountsOf, formatAmount, parseAmount } from './quantity.js';
import { checkQuotas, countUsage } from './check.js';
import { usageOf } from './usage.js';
import type { KObject } from '../types.js';

const pods = { group: '', plural: 'pods' };
const pod = (name: string, resources?: Record<string, Record<string, string>>, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name, namespace: 'ns' },
  spec: { containers: [{ name: 'app', image: 'x', ...(resources ? { resources } : {}) }], ...extra },
});
const quota = (hard: Record<string, string>, used?: Record<string, string>, spec: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'q', namespace: 'ns' },
  spec: { hard, ...spec },
  status: { hard, used: used ?? Object.fromEntries(Object.keys(hard).map((k) => [k, '0'])) },
});

test('quantities are exact milli-units and print back in their own family', () => {
  assert.equal(parseAmount('100m')!.milli, 100n);
  assert.equal(parseAmount('0.1')!.milli, 100n);
  assert.equal(parseAmount('1.5Gi')!.milli, 1610612736000n);
  assert.equal(parseAmount('2e3')!.milli, 2000000n);
  assert.equal(parseAmount('1n')!.milli, 1n, 'rounds up to a whole milli');
  assert.equal(parseAmount('abc'), undefined);
  assert.equal(parseAmount('1Xi'), undefined);
  let sum = amountsOf({});
  for (let i = 0; i < 10; i++) sum = addAmounts(sum, amountsOf({ cpu: '0.1', memory: '128Mi' }));
  assert.equal(formatAmount(sum.get('cpu')!), '1');
  assert.equal(formatAmount(sum.get('memory')!), '1280Mi');
  assert.equal(formatAmount(parseAmount('1500m')!), '1500m');
  assert.equal(formatAmount(parseAmount('2048Ki')!), '2Mi');
  assert.equal(formatAmount(parseAmount('3000')!), '3k');
  assert.equal(formatAmount({ milli: 0n, binary: true }), '0');
});

test('a pod counts its requests and limits; init containers count as the largest of them', () => {
  const p = pod('p', { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1' } });
  (p.spec as { initContainers: unknown[] }).initContainers = [{ name: 'init', resources: { requests: { cpu: '2' } } }];
  const u = usageOf(pods, p);
  assert.equal(formatAmount(u.get('pods')!), '1');
  assert.equal(formatAmount(u.get('count/pods')!), '1');
  assert.equal(formatAmount(u.get('requests.cpu')!), '2');
  assert.equal(formatAmount(u.get('requests.memory')!), '64Mi');
  assert.equal(formatAmount(u.get('limits.cpu')!), '1');
  assert.equal(u.has('limits.memory'), false);
  const done = { ...pod('d'), status: { phase: 'Succeeded' } };
  assert.deepEqual([...usageOf(pods, done).keys()], ['count/pods'], 'a finished pod keeps only its object count');
  assert.deepEqual([...usageOf({ group: 'apps', plural: 'deployments' }, pod('x')).keys()], ['count/deployments.apps']);
});

test('the third pod under a quota of two is refused with upstream wording', () => {
  const q = quota({ pods: '2' }, { pods: '2' });
  const d = checkQuotas([q], pods, pod('third'));
  assert.deepEqual(d, { allowed: false, message: 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' });
  const ok = checkQuotas([quota({ pods: '2' }, { pods: '1' })], pods, pod('second'));
  assert.ok(ok.allowed);
  assert.equal(ok.allowed && ok.charges[0]!.used.get('pods')!.milli, 2000n);
});

test('only exceeded resources are named, in name order', () => {
  const q = quota({ 'requests.cpu': '1', 'requests.memory': '1Gi', pods: '10' }, { 'requests.cpu': '800m', 'requests.memory': '512Mi', pods: '3' });
  const d = checkQuotas([q], pods, pod('p', { requests: { cpu: '300m', memory: '256Mi' } }));
  assert.deepEqual(d, { allowed: false, message: 'exceeded quota: q, requested: requests.cpu=300m, used: requests.cpu=800m, limited: requests.cpu=1' });
});

test('a compute quota refuses pods that do not say what they ask', () => {
  const q = quota({ 'requests.cpu': '1', 'limits.memory': '1Gi' });
  const d = checkQuotas([q], pods, pod('p', { requests: { cpu: '100m' } }));
  assert.deepEqual(d, { allowed: false, message: 'failed quota: q: must specify limits.memory for: app' });
  assert.ok(checkQuotas([quota({ pods: '5' })], pods, pod('p')).allowed, 'a count-only quota needs no requests');
});

test('a quota the controller has not counted yet refuses, as upstream', () => {
  const q: KObject = { metadata: { name: 'q', namespace: 'ns' }, spec: { hard: { pods: '1' } }, status: { hard: { pods: '1' } } };
  assert.deepEqual(checkQuotas([q], pods, pod('p')), { allowed: false, message: 'status unknown for quota: q, resources: pods' });
});

test('scopes: a BestEffort quota counts only best-effort pods, and no other kind', () => {
  const q = quota({ pods: '0' }, undefined, { scopes: ['BestEffort'] });
  assert.equal(checkQuotas([q], pods, pod('be')).allowed, false);
  assert.equal(checkQuotas([q], pods, pod('burstable', { requests: { cpu: '1' } })).allowed, true);
  const t = quota({ pods: '0' }, undefined, { scopes: ['Terminating'] });
  assert.equal(checkQuotas([t], pods, pod('job', undefined, { activeDeadlineSeconds: 30 })).allowed, false);
  assert.equal(checkQuotas([t], pods, pod('svc')).allowed, true);
  const pc = quota({ pods: '0' }, undefined, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
  assert.equal(checkQuotas([pc], pods, pod('hi', undefined, { priorityClassName: 'high' })).allowed, false);
  assert.equal(checkQuotas([pc], pods, pod('lo', undefined, { priorityClassName: 'low' })).allowed, true);
});

test('the recount sums what exists and skips what the scopes leave out', () => {
  const q = quota({ pods: '10', 'requests.memory': '1Gi' });
  const used = countUsage(q, pods, [pod('a', { requests: { memory: '100Mi' } }), pod('b', { requests: { memory: '28Mi' } }), { ...pod('c'), status: { phase: 'Failed' } }], ['pods', 'requests.memory']);
  assert.equal(formatAmount(used.get('pods')!), '2');
  assert.equal(formatAmount(used.get('requests.memory')!), '128Mi');
});
