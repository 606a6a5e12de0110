// autoscaling/v2 defaults and validation, and the v1 <-> v2 conversion both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { defaultHpa, validateHpa } from './hpa.js';
import { hpaFromV1, hpaToV1 } from './hpa-conversion.js';
import { formatHpaMetrics } from '../tables/hpa.js';

const meta = { name: 'web', namespace: 'default' };
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

test('defaults: minReplicas 1, CPU at 80%, and behavior completed only when given', () => {
  const bare: KObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: { scaleTargetRef: ref, maxReplicas: 3 } };
  defaultHpa(bare);
  assert.deepEqual(bare.spec, {
    scaleTargetRef: ref, maxReplicas: 3, minReplicas: 1,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
  });
  const withBehavior: KObject = { metadata: meta, spec: { scaleTargetRef: ref, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
  defaultHpa(withBehavior);
  assert.deepEqual((withBehavior.spec as { behavior: unknown }).behavior, {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  });
});

test('validation as upstream words it', () => {
  const errs = (spec: unknown) => validateHpa({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta, spec } as KObject, {}).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(errs({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] }), []);
  assert.deepEqual(errs({ scaleTargetRef: ref, minReplicas: 0, maxReplicas: 2 }), ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1']);
  assert.deepEqual(errs({ scaleTargetRef: ref, minReplicas: 5, maxReplicas: 3 }), ['spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`']);
  assert.deepEqual(errs({ scaleTargetRef: { name: 'x' }, maxReplicas: 1 }), ['spec.scaleTargetRef.kind: Required value']);
  assert.deepEqual(errs({ scaleTargetRef: ref, maxReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }), [
    'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
  ]);
  assert.deepEqual(errs({ scaleTargetRef: ref, maxReplicas: 1, behavior: { scaleUp: { stabilizationWindowSeconds: 4000, policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } }), [
    'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
    'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
  ]);
});

test('v2 -> v1 -> v2 keeps everything, the CPU target in its v1 field and the rest in annotations', () => {
  const v2: KObject = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { ...meta, annotations: { keep: 'me' } },
    spec: {
      scaleTargetRef: ref, minReplicas: 2, maxReplicas: 8,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } },
      ],
      behavior: { scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
    status: {
      currentReplicas: 3, desiredReplicas: 4, lastScaleTime: '2026-01-01T00:00:00Z',
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '70m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  };
  const v1 = hpaToV1(v2);
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 50 });
  assert.deepEqual(v1.status, { lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 70 });
  const a = v1.metadata.annotations!;
  assert.equal(a.keep, 'me');
  assert.deepEqual(JSON.parse(a['autoscaling.alpha.kubernetes.io/metrics']!), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '200Mi' } }]);
  assert.deepEqual(JSON.parse(a['autoscaling.alpha.kubernetes.io/current-metrics']!), [{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 70, currentAverageValue: '70m' } }]);
  assert.equal(a['autoscaling.alpha.kubernetes.io/behavior'], '{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":60}],"Tolerance":null}}');
  assert.deepEqual(hpaFromV1(v1), v2);
});

test('a plain v1 object: its CPU target, or upstream\'s 80% when it has none', () => {
  const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: { scaleTargetRef: ref, maxReplicas: 3 } };
  assert.deepEqual((hpaFromV1(v1).spec as { metrics: unknown }).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  const withStatus = { ...v1, spec: { ...v1.spec, targetCPUUtilizationPercentage: 40 }, status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 12 } };
  const v2 = hpaFromV1(withStatus);
  assert.deepEqual((v2.status as { currentMetrics: unknown }).currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }]);
  // Back in v1 the status also rides in its annotation, as upstream keeps it (with the raw value when there is one).
  const back = hpaToV1(v2);
  assert.deepEqual(back.status, withStatus.status);
  assert.deepEqual(back.metadata.annotations, { 'autoscaling.alpha.kubernetes.io/current-metrics': '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":12}}]' });
});

test('TARGETS: current/target per metric, the first two, then how many more', () => {
  const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } } as const;
  const mem = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } } as const;
  assert.equal(formatHpaMetrics([cpu], undefined), 'cpu: <unknown>/50%');
  assert.equal(formatHpaMetrics([cpu], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }]), 'cpu: 35%/50%');
  assert.equal(formatHpaMetrics([cpu, mem, cpu], undefined), 'cpu: <unknown>/50%, memory: <unknown>/200Mi + 1 more...');
  assert.equal(formatHpaMetrics([], undefined), '<none>');
});
