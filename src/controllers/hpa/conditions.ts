// HPA status conditions, set as upstream's setCondition does: the transition time moves only when
// the status does, and a condition new to the list is appended (so the order is the order they
// were first set: AbleToScale, ScalingActive, ScalingLimited).
import type { HorizontalPodAutoscalerCondition } from 'kubernetes-types/autoscaling/v2.js';

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export function setCondition(
  list: HorizontalPodAutoscalerCondition[],
  c: { type: ConditionType; status: 'True' | 'False'; reason: string; message: string },
  now: string,
): HorizontalPodAutoscalerCondition[] {
  const out = list.map((x) => ({ ...x }));
  let existing = out.find((x) => x.type === c.type);
  if (!existing) {
    existing = { type: c.type, status: c.status };
    out.push(existing);
  }
  if (existing.status !== c.status || !existing.lastTransitionTime) existing.lastTransitionTime = now;
  existing.status = c.status;
  existing.reason = c.reason;
  existing.message = c.message;
  return out;
}
