// A workload's spec.selector as a matcher. An invalid selector (validation refuses those, so only
// stored data from elsewhere) selects nothing rather than everything.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { labelSelectorFromObject, type LabelMatcher } from '../../registry/selectors/label.js';

export function selectorOf(sel: LabelSelector | undefined): LabelMatcher {
  try {
    return labelSelectorFromObject(sel ?? null).matches;
  } catch {
    return () => false;
  }
}
