// autoscaling/v2 HorizontalPodAutoscaler: the storage version. Defaults and validation follow
// upstream's (pkg/apis/autoscaling/v2 defaults, pkg/apis/autoscaling/validation); autoscaling/v1
// (hpa-v1.ts) converts to this shape and reuses both.
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asArray, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { parseQuantity } from '../validation/quantity.js';

/** Upstream's autoscaling.DefaultCPUUtilization: the target when an HPA names no metric. */
export const DEFAULT_CPU_UTILIZATION = 80;

const SCALE_UP_DEFAULTS = (): HPAScalingRules => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
});
// No stabilization window: the controller's --horizontal-pod-autoscaler-downscale-stabilization
// applies when the object leaves it unset, so it is never written here.
const SCALE_DOWN_DEFAULTS = (): HPAScalingRules => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

function withDefaults(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  const out: HPAScalingRules = { ...(rules ?? {}) };
  out.selectPolicy ??= defaults.selectPolicy;
  out.policies ??= defaults.policies;
  if (defaults.stabilizationWindowSeconds !== undefined) out.stabilizationWindowSeconds ??= defaults.stabilizationWindowSeconds;
  return out;
}

export function defaultHpa(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = (obj as unknown as HorizontalPodAutoscaler).spec!;
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  // As upstream: a behavior given at all is completed with the defaults; none stays none.
  if (spec.behavior) {
    spec.behavior.scaleUp = withDefaults(spec.behavior.scaleUp, SCALE_UP_DEFAULTS());
    spec.behavior.scaleDown = withDefaults(spec.behavior.scaleDown, SCALE_DOWN_DEFAULTS());
  }
}

const positive = (q: unknown) => (parseQuantity(q) ?? 0) > 0;
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];

function validateTarget(t: MetricTarget | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const target = t ?? ({} as MetricTarget);
  if (!target.type) errs.push(fieldError.required(`${path}.type`, 'must specify a metric target type'));
  else if (!TARGET_TYPES.includes(target.type)) errs.push(fieldError.invalid(`${path}.type`, target.type, 'must be either Utilization, Value, or AverageValue'));
  if (target.value !== undefined && !positive(target.value)) errs.push(fieldError.invalid(`${path}.value`, target.value, 'must be positive'));
  if (target.averageValue !== undefined && !positive(target.averageValue)) errs.push(fieldError.invalid(`${path}.averageValue`, target.averageValue, 'must be positive'));
  if (target.averageUtilization !== undefined && target.averageUtilization < 1) {
    errs.push(fieldError.invalid(`${path}.averageUtilization`, target.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

/** Resource and ContainerResource targets: a utilization or an average value, never both. */
function validateResourceTarget(t: MetricTarget | undefined, path: string): FieldError[] {
  const errs = validateTarget(t, path);
  if (t?.averageUtilization === undefined && t?.averageValue === undefined) {
    errs.push(fieldError.required(`${path}.averageUtilization`, 'must set either a target raw value or a target utilization'));
  }
  if (t?.averageUtilization !== undefined && t?.averageValue !== undefined) {
    errs.push(fieldError.forbidden(`${path}.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

const SOURCES: Record<string, keyof MetricSpec> = {
  Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource', External: 'external',
};

function validateMetric(m: MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const set = Object.values(SOURCES).filter((k) => m[k] !== undefined);
  if (!m.type) return [fieldError.required(`${path}.type`, 'must specify a metric source type')];
  const own = SOURCES[m.type];
  if (!own) return [fieldError.notSupported(`${path}.type`, m.type, Object.keys(SOURCES))];
  if (set.length !== 1 || set[0] !== own) {
    if (m[own] === undefined) errs.push(fieldError.required(`${path}.${own}`, `must populate information for the given metric source`));
    if (set.some((k) => k !== own)) errs.push(fieldError.forbidden(path, 'must populate the given metric source only'));
    return errs;
  }
  if (m.resource) {
    if (!m.resource.name) errs.push(fieldError.required(`${path}.resource.name`, 'must specify a resource name'));
    errs.push(...validateResourceTarget(m.resource.target, `${path}.resource.target`));
  } else if (m.containerResource) {
    if (!m.containerResource.name) errs.push(fieldError.required(`${path}.containerResource.name`, 'must specify a resource name'));
    if (!m.containerResource.container) errs.push(fieldError.required(`${path}.containerResource.container`, 'must specify a container'));
    errs.push(...validateResourceTarget(m.containerResource.target, `${path}.containerResource.target`));
  } else {
    const src = (m.pods ?? m.object ?? m.external)!;
    const sub = `${path}.${own}`;
    if (!src.metric?.name) errs.push(fieldError.required(`${sub}.metric.name`, 'must specify a metric name'));
    errs.push(...validateTarget(src.target, `${sub}.target`));
    if (m.pods && m.pods.target?.averageValue === undefined) errs.push(fieldError.required(`${sub}.target.averageValue`, 'must specify a positive target averageValue'));
  }
  return errs;
}

const SELECT_POLICIES = ['Max', 'Min', 'Disabled'];
const POLICY_TYPES = ['Pods', 'Percent'];

function validateRules(rules: HPAScalingRules | undefined, path: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(rules.selectPolicy)) errs.push(fieldError.notSupported(`${path}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES));
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && window < 0) errs.push(fieldError.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > 3600) errs.push(fieldError.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be less than or equal to 3600'));
  const policies = asArray<{ type?: string; value?: number; periodSeconds?: number }>(rules.policies);
  if (policies.length === 0) errs.push(fieldError.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (!POLICY_TYPES.includes(p.type ?? '')) errs.push(fieldError.notSupported(`${at}.type`, p.type ?? '', POLICY_TYPES));
    if (!((p.value ?? 0) > 0)) errs.push(fieldError.invalid(`${at}.value`, p.value ?? 0, 'must be greater than zero'));
    if (!((p.periodSeconds ?? 0) > 0)) errs.push(fieldError.invalid(`${at}.periodSeconds`, p.periodSeconds ?? 0, 'must be greater than zero'));
    else if (p.periodSeconds! > 1800) errs.push(fieldError.invalid(`${at}.periodSeconds`, p.periodSeconds, 'must be less than or equal to 1800'));
  });
  return errs;
}

export function validateHpa(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = (obj as unknown as HorizontalPodAutoscaler).spec ?? ({} as NonNullable<HorizontalPodAutoscaler['spec']>);
  const ref = spec.scaleTargetRef ?? ({} as NonNullable<typeof spec.scaleTargetRef>);
  if (!ref.kind) errs.push(fieldError.required('spec.scaleTargetRef.kind'));
  if (!ref.name) errs.push(fieldError.required('spec.scaleTargetRef.name'));
  else if (ref.name.includes('/') || ref.name === '.' || ref.name === '..') errs.push(fieldError.invalid('spec.scaleTargetRef.name', ref.name, 'may not contain \'/\''));
  // minReplicas 0 needs the alpha HPAScaleToZero feature upstream, which k3ts does not offer.
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) errs.push(fieldError.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  if (!(spec.maxReplicas >= 1)) errs.push(fieldError.invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas) {
    errs.push(fieldError.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  }
  asArray<MetricSpec>(spec.metrics).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  errs.push(...validateRules(spec.behavior?.scaleUp, 'spec.behavior.scaleUp'));
  errs.push(...validateRules(spec.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return errs;
}

function validateHpaStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const status = (obj as unknown as HorizontalPodAutoscaler).status;
  for (const f of ['currentReplicas', 'desiredReplicas'] as const) {
    const v = status?.[f];
    if (v !== undefined && v < 0) errs.push(fieldError.invalid(`status.${f}`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}

/** What both served versions share. */
export const hpaBase = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  listKind: 'HorizontalPodAutoscalerList',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  subresources: { status: true },
  generation: true,
} as const satisfies Partial<ResourceDescriptor>;

export const horizontalPodAutoscalerV2: ResourceDescriptor = {
  ...hpaBase,
  version: 'v2',
  defaults: defaultHpa,
  validate: validateHpa,
  validateStatus: validateHpaStatus,
};
