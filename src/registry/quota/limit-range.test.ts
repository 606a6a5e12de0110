// LimitRange defaulting and checks, with upstream's wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { applyContainerDefaults, claimViolations, defaultLimitRangeItem, LIMIT_RANGER_ANNOTATION, podViolations, type LimitRangeItem } from './limit-range.js';
import { findByKind } from '../index.js';

const range = (...limits: LimitRangeItem[]): KObject => ({ metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } });
const pod = (containers: unknown[]): KObject => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers } });
const resourcesOf = (p: KObject, i = 0) => ((p.spec as { containers: Array<{ resources: unknown }> }).containers[i]!.resources);

test('a Container item takes its default from max and its defaultRequest from default, then min', () => {
  const item: LimitRangeItem = { type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { memory: '256Mi' } };
  defaultLimitRangeItem(item);
  assert.deepEqual(item.default, { memory: '256Mi', cpu: '2' });
  assert.deepEqual(item.defaultRequest, { memory: '256Mi', cpu: '2' });
  const onlyMin: LimitRangeItem = { type: 'Container', min: { cpu: '100m' } };
  defaultLimitRangeItem(onlyMin);
  assert.deepEqual(onlyMin.defaultRequest, { cpu: '100m' });
});

test('a pod without requests gets the defaults, and the annotation says which', () => {
  const lr = range({ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '250m', memory: '64Mi' } });
  const p = pod([{ name: 'app', image: 'x' }, { name: 'side', image: 'y', resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } } }]);
  applyContainerDefaults(p, [lr]);
  assert.deepEqual(resourcesOf(p, 0), { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } });
  assert.deepEqual(resourcesOf(p, 1), { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }, 'what the container says stays');
  assert.equal(
    p.metadata.annotations?.[LIMIT_RANGER_ANNOTATION],
    'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side; memory limit for container side',
  );
  assert.deepEqual(podViolations(p, [lr]), []);
});

test('min, max and ratio refusals are worded as upstream', () => {
  const lr = range({ type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' }, maxLimitRequestRatio: { cpu: '2' } });
  const p = pod([{ name: 'app', image: 'x', resources: { requests: { cpu: '50m', memory: '2Gi' }, limits: { cpu: '500m', memory: '2Gi' } } }]);
  assert.deepEqual(podViolations(p, [lr]), [
    'minimum cpu usage per Container is 100m, but request is 50m.',
    'maximum memory usage per Container is 1Gi, but limit is 2Gi.',
    'cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000.',
  ]);
  const podMax = range({ type: 'Pod', max: { cpu: '1' } });
  const two = pod([{ name: 'a', image: 'x', resources: { limits: { cpu: '600m' } } }, { name: 'b', image: 'x', resources: { limits: { cpu: '600m' } } }]);
  assert.deepEqual(podViolations(two, [podMax]), ['maximum cpu usage per Pod is 1, but limit is 1200m.']);
  const claim: KObject = { metadata: { name: 'c' }, spec: { resources: { requests: { storage: '500Mi' } } } };
  assert.deepEqual(claimViolations(claim, [range({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' } })]), ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi.']);
});

test('LimitRange validation: inconsistent bounds and Pod defaults are refused', () => {
  const d = findByKind('', 'v1', 'LimitRange')!;
  const bad = range({ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }, { type: 'Pod', max: { cpu: '4' }, default: { cpu: '1' } as Record<string, string> });
  d.defaults!(bad);
  const msgs = d.validate!(bad, {}).map((e) => `${e.field}: ${e.message}`);
  assert.ok(msgs.includes('spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1'), msgs.join('\n'));
  assert.ok(msgs.includes("spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'"), msgs.join('\n'));
  const ok = range({ type: 'Container', max: { cpu: '1' }, defaultRequest: { cpu: '100m' } });
  d.defaults!(ok);
  assert.deepEqual(d.validate!(ok, {}), []);
});
