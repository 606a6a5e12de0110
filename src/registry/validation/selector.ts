// metav1.LabelSelector: validation and matching against a label set.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { labelSelectorFromObject, SelectorError } from '../selectors/label.js';
import { fieldError, type FieldError } from '../field-errors.js';
import { goStringMap } from './go-value.js';
import { validateLabels } from './meta.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

export function validateLabelSelector(sel: LabelSelector | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!sel) return errs;
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = req.values ?? [];
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (values.length === 0) errs.push(fieldError.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(fieldError.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(fieldError.invalid(`${p}.operator`, req.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(req.key ?? '')) errs.push(fieldError.invalid(`${p}.key`, req.key ?? '', msg));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) errs.push(fieldError.invalid(`${p}.values[${j}]`, v, msg));
    });
  });
  return errs;
}

export function selectorIsEmpty(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** True when every matchLabels entry and every expression holds. An empty selector matches everything;
 *  an invalid one (reported by validateLabelSelector) matches nothing. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  try {
    return labelSelectorFromObject(sel ?? {}).matches(labels);
  } catch (err) {
    if (err instanceof SelectorError) return false;
    throw err;
  }
}

/** Go's %#v of a metav1.LabelSelector, as printed in "empty selector is invalid" messages. */
export function goLabelSelector(sel: LabelSelector | undefined): string {
  const exprs = sel?.matchExpressions;
  const ml = sel?.matchLabels ? goStringMap(sel.matchLabels) : 'map[string]string(nil)';
  const me = exprs ? `[]v1.LabelSelectorRequirement{}` : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}
