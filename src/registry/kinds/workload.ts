// Checks shared by the controllers that own Pods through a selector and a template.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject } from '../types.js';
import { asObject, IMMUTABLE, semanticEqual, validateNonNegative } from '../validation/common.js';
import { goStringMap } from '../validation/go-value.js';
import { validatePodTemplateSpec } from '../validation/podspec.js';
import { goLabelSelector, selectorIsEmpty, selectorMatches, validateLabelSelector } from '../validation/selector.js';
import { defaultPodSpec } from './pod-defaults.js';

export const specOf = <T = Record<string, unknown>>(obj: KObject): T => asObject(obj.spec) as unknown as T;

export function defaultTemplate(obj: KObject): void {
  const template = asObject(specOf(obj).template) as PodTemplateSpec;
  defaultPodSpec(template.spec);
}

export interface SelectorTemplateRules {
  /** Word used in "empty selector is invalid for <what>". */
  what: string;
  /** Only these restartPolicy values are allowed in the template. */
  restartPolicies: readonly string[];
  /** Kind name for "activeDeadlineSeconds in <Kind> is not Supported"; omit where it is allowed. */
  noDeadlineIn?: string;
}

/** spec.selector (required, non-empty, matching template labels) and spec.template. */
export function validateSelectorAndTemplate(obj: KObject, rules: SelectorTemplateRules): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  const selector = spec.selector as LabelSelector | undefined;
  const template = spec.template as PodTemplateSpec | undefined;
  if (!selector) errs.push(fieldError.required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    if (selectorIsEmpty(selector)) {
      errs.push(fieldError.invalidGo('spec.selector', goLabelSelector(selector), `empty selector is invalid for ${rules.what}`));
    }
  }
  if (!template) {
    errs.push(fieldError.required('spec.template'));
    return errs;
  }
  const labels = template.metadata?.labels;
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, labels)) {
    errs.push(fieldError.invalidGo('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const policy = template.spec?.restartPolicy;
  if (policy !== undefined && !rules.restartPolicies.includes(policy)) {
    errs.push(fieldError.notSupported('spec.template.spec.restartPolicy', policy, rules.restartPolicies));
  }
  const deadline = template.spec?.activeDeadlineSeconds;
  if (deadline !== undefined && rules.noDeadlineIn) {
    errs.push(fieldError.invalid('spec.template.spec.activeDeadlineSeconds', deadline, `activeDeadlineSeconds in ${rules.noDeadlineIn} is not Supported`));
  }
  return errs;
}

export function validateReplicas(obj: KObject, path = 'spec.replicas'): FieldError[] {
  return validateNonNegative(specOf(obj).replicas, path);
}

export function validateSelectorImmutable(obj: KObject, old: KObject | undefined): FieldError[] {
  if (!old) return [];
  const next = specOf(obj).selector;
  if (semanticEqual(next, specOf(old).selector)) return [];
  return [fieldError.invalidGo('spec.selector', goLabelSelector(next as LabelSelector | undefined), IMMUTABLE)];
}

/** Status counters must not be negative. */
export function validateStatusCounters(obj: KObject, fields: string[]): FieldError[] {
  const status = asObject(obj.status);
  return fields.flatMap((f) => validateNonNegative(status[f], `status.${f}`));
}

/** Each of these status counters must not exceed status.replicas. */
export function validateCountersWithinReplicas(obj: KObject, fields: string[]): FieldError[] {
  const status = asObject(obj.status);
  const replicas = typeof status.replicas === 'number' ? status.replicas : 0;
  return fields
    .filter((f) => typeof status[f] === 'number' && (status[f] as number) > replicas)
    .map((f) => fieldError.invalid(`status.${f}`, status[f], 'cannot be greater than status.replicas'));
}
