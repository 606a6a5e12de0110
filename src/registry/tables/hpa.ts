// `kubectl get hpa`: the target, each metric as current/target (first two, then "+ N more..."),
// the replica bounds and the current count, as upstream's printer. Both served versions use it; a
// v1 object is read through its v2 form, which is what upstream prints from.
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import { hpaFromV1 } from '../kinds/hpa-conversion.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, int, nameColumn } from './common.js';

const SHOWN = 2;
const unknown = '<unknown>';
const q = (v: unknown) => (v === undefined || v === null ? unknown : String(v));

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const s = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const cur = spec.type === 'Resource' ? status?.resource?.current : status?.containerResource?.current;
      const name = s?.name ?? '';
      if (s?.target?.averageValue !== undefined) return `${name}: ${q(cur?.averageValue)}/${s.target.averageValue}`;
      const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : unknown;
      const target = s?.target?.averageUtilization !== undefined ? `${s.target.averageUtilization}%` : '<auto>';
      return `${name}: ${current}/${target}`;
    }
    case 'Pods':
      return `${q(status?.pods?.current?.averageValue)}/${q(spec.pods?.target?.averageValue)}`;
    case 'Object':
      if (spec.object?.target?.averageValue !== undefined) return `${q(status?.object?.current?.averageValue)}/${spec.object.target.averageValue} (avg)`;
      return `${q(status?.object?.current?.value)}/${q(spec.object?.target?.value)}`;
    case 'External':
      if (spec.external?.target?.averageValue !== undefined) return `${q(status?.external?.current?.averageValue)}/${spec.external.target.averageValue} (avg)`;
      return `${q(status?.external?.current?.value)}/${q(spec.external?.target?.value)}`;
    default:
      return '<unknown type>';
  }
}

export function formatHpaMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs?.length) return '<none>';
  const list = specs.map((s, i) => formatMetric(s, statuses?.[i]));
  const shown = list.slice(0, SHOWN).join(', ');
  return list.length > SHOWN ? `${shown} + ${list.length - SHOWN} more...` : shown;
}

export const hpaTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'integer', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
    column('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    const hpa = (obj.apiVersion === 'autoscaling/v1' ? hpaFromV1(obj) : obj) as unknown as HorizontalPodAutoscaler;
    const spec = hpa.spec;
    return [
      obj.metadata.name ?? '',
      `${spec?.scaleTargetRef?.kind ?? ''}/${spec?.scaleTargetRef?.name ?? ''}`,
      formatHpaMetrics(spec?.metrics, hpa.status?.currentMetrics),
      spec?.minReplicas !== undefined ? String(spec.minReplicas) : '<unset>',
      int(spec?.maxReplicas),
      int(hpa.status?.currentReplicas),
      ageOf(obj.metadata.creationTimestamp, now),
    ];
  },
};
