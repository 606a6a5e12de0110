// One policy against one request and one param: match conditions, then variables, then each
// validation. Pure: the caller has the variables ready and applies the binding's actions.
import { evaluateCel } from '../../../registry/cel/environment.js';
import type { CompiledPolicy } from './policy-set.js';

export interface Decision {
  action: 'admit' | 'deny';
  /** An evaluation error (the failure policy decided), not a validation that came out false. */
  error?: boolean;
  message: string;
  reason?: string;
  /** The validation's index, for audit records. */
  index?: number;
}

/** Upstream's cap on a messageExpression's result, in bytes. */
const MAX_MESSAGE = 5 * 1024;

/** `vars` holds object, oldObject, request, params and namespaceObject; undefined = no match. */
export function evaluatePolicy(policy: CompiledPolicy, vars: Record<string, unknown>): Decision[] | undefined {
  const onError = policy.failurePolicy === 'Ignore' ? 'admit' : 'deny';
  // Any false condition skips the policy, even when another one failed to evaluate.
  let conditionError: string | undefined;
  for (const c of policy.matchConditions) {
    const r = evaluateCel(c.program, vars);
    if (r.error !== undefined) conditionError ??= `expression '${c.expression}' resulted in error: ${r.error}`;
    else if (r.value === false) return undefined;
    else if (r.value !== true) conditionError ??= `expression '${c.expression}' resulted in error: no such overload: result is not a bool`;
  }
  if (conditionError) return [{ action: onError, error: true, message: conditionError }];

  // Variables are computed in order, each seeing those before it; an error is only an error for
  // the expressions that read that variable, as upstream's lazy variables behave.
  const variables = new Map<string, unknown>();
  const failed = new Map<string, string>();
  const all = { ...vars, variables };
  for (const v of policy.variables) {
    const r = evaluateCel(v.program, all);
    if (r.error !== undefined) failed.set(v.name, r.error);
    else variables.set(v.name, r.value);
  }
  const readsFailed = (expression: string) => {
    for (const [name, error] of failed) if (new RegExp(`\\bvariables\\s*\\.\\s*${name}\\b`).test(expression)) return `variables.${name}: ${error}`;
    return undefined;
  };

  return policy.validations.map((v, index) => {
    const variableError = readsFailed(v.expression);
    const r = variableError ? { error: variableError } : evaluateCel(v.program, all);
    if (r.error !== undefined) return { action: onError, error: true, message: `expression '${v.expression}' resulted in error: ${r.error}`, index };
    if (r.value === true) return { action: 'admit', message: '', index };
    if (r.value !== false) return { action: onError, error: true, message: `expression '${v.expression}' resulted in error: no such overload: result is not a bool`, index };
    let message = '';
    if (v.messageExpression) {
      const m = evaluateCel(v.messageExpression, all);
      if (typeof m.value === 'string') {
        const trimmed = m.value.trim();
        if (trimmed.length <= MAX_MESSAGE && !trimmed.includes('\n')) message = trimmed;
      }
    }
    if (!message && v.message) message = v.message.trim();
    if (!message) message = `failed expression: ${v.expression.trim()}`;
    return { action: 'deny', message, reason: v.reason ?? 'Invalid', index };
  });
}
