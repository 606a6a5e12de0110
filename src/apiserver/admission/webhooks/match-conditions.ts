// A webhook's matchConditions: CEL over `object`, `oldObject` and `request`, evaluated with the
// server's one CEL set-up once rules and selectors matched. All true: the webhook is called. Any
// false: it is skipped. Otherwise an error, which the webhook's failurePolicy judges (Fail:
// `failed calling webhook "x": expression '...' resulted in error: ...`).
import type { KObject, ResourceDescriptor } from '../../../registry/types.js';
import { evaluateCel } from '../../../registry/cel/environment.js';
import { celRequestVariables, type CelRequestInput } from '../cel-request.js';
import type { CompiledWebhook } from './configurations.js';
import { convertObject } from './match.js';

export type ConditionOutcome = { matches: boolean; error?: undefined } | { matches?: undefined; error: string };

export function evaluateMatchConditions(hook: CompiledWebhook, as: ResourceDescriptor, req: CelRequestInput, object: KObject | undefined): ConditionOutcome {
  const conditions = hook.matchConditions;
  if (!conditions) return { matches: true };
  const vars = celRequestVariables(req, as, object && convertObject(object, req.descriptor, as), req.old && convertObject(req.old, req.descriptor, as));
  const errors: string[] = [];
  for (const c of conditions) {
    if (c.program instanceof Error) {
      errors.push(`compilation failed for match condition '${c.name}': ${c.program.message}`);
      continue;
    }
    const r = evaluateCel(c.program, vars);
    if (r.error !== undefined) errors.push(`expression '${c.expression}' resulted in error: ${r.error}`);
    else if (r.value === false) return { matches: false };
    else if (r.value !== true) errors.push(`expression '${c.expression}' resulted in error: no such overload: result is not a bool`);
  }
  // Several errors read as upstream's aggregate: `[first, second]`.
  if (errors.length === 0) return { matches: true };
  return { error: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]` };
}
