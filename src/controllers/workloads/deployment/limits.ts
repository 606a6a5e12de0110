// How far a rolling update may stray from spec.replicas: maxSurge rounds up, maxUnavailable rounds
// down, and if both come out 0 one pod may be unavailable, or the rollout could never start.
import type { DeploymentSpec } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../../registry/types.js';
import { scaledValue } from '../int-or-percent.js';

export const specOf = (d: KObject) => d.spec as DeploymentSpec;
export const replicasOf = (d: KObject): number => specOf(d).replicas ?? 1;
export const isRollingUpdate = (d: KObject): boolean => (specOf(d).strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

function fenceposts(d: KObject): { surge: number; unavailable: number } {
  const ru = specOf(d).strategy?.rollingUpdate ?? {};
  const desired = replicasOf(d);
  const surge = scaledValue(ru.maxSurge as number | string | undefined, desired, true);
  let unavailable = scaledValue(ru.maxUnavailable as number | string | undefined, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const maxSurge = (d: KObject): number => (isRollingUpdate(d) ? fenceposts(d).surge : 0);

export function maxUnavailable(d: KObject): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired);
}

/** Unset or MaxInt32 means no deadline. */
export function progressDeadlineSeconds(d: KObject): number | undefined {
  const s = specOf(d).progressDeadlineSeconds;
  return s === undefined || s === null || s === 2147483647 ? undefined : s;
}
