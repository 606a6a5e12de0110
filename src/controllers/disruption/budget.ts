// The arithmetic of a PodDisruptionBudget, kept free of I/O so it can be checked number by number.
// Upstream's rules: an integer minAvailable is compared with the pods found; a percentage, and any
// maxUnavailable, is taken of what the pods' controllers want (their scale), rounding up in both
// cases, so "50%" of 3 needs 2 healthy and maxUnavailable "50%" of 3 lets 2 go.
import type { PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1.js';

export interface Expectation {
  expectedPods: number;
  desiredHealthy: number;
}

/** Whether the budget needs the controllers' scale (else the count of pods found is enough). */
export const needsScale = (spec: PodDisruptionBudgetSpec): boolean =>
  spec.maxUnavailable !== undefined || (spec.minAvailable !== undefined && typeof spec.minAvailable !== 'number');

/** A percentage of `total`, rounded up; a plain number as is. Throws for a string that is not N%. */
export function percentOf(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

/** expectedPods and desiredHealthy from the spec, the pods the selector found and (when
 *  {@link needsScale}) the scale their controllers want. */
export function expectation(spec: PodDisruptionBudgetSpec, podsFound: number, scale: number): Expectation {
  if (spec.maxUnavailable !== undefined) {
    return { expectedPods: scale, desiredHealthy: Math.max(0, scale - percentOf(spec.maxUnavailable, scale)) };
  }
  if (spec.minAvailable !== undefined) {
    if (typeof spec.minAvailable === 'number') return { expectedPods: podsFound, desiredHealthy: spec.minAvailable };
    return { expectedPods: scale, desiredHealthy: percentOf(spec.minAvailable, scale) };
  }
  // Neither set: nothing is expected, so nothing may be disrupted.
  return { expectedPods: 0, desiredHealthy: 0 };
}

/** What an eviction may spend now: none while nothing is expected or too few are healthy. */
export function disruptionsAllowed(currentHealthy: number, e: Expectation): number {
  const spare = currentHealthy - e.desiredHealthy;
  return e.expectedPods <= 0 || spare <= 0 ? 0 : spare;
}
