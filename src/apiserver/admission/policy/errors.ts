// The Status a write gets when a ValidatingAdmissionPolicy denies it, in upstream's words: the
// resource is "forbidden" in the message, but the reason (Invalid unless the validation names
// another) and its code are the policy's.
import { ApiError } from '../../errors.js';
import type { ResourceDescriptor } from '../../../registry/types.js';

const CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

export function policyDeniedError(o: { policy: string; binding?: string; message: string; reason?: string; descriptor: ResourceDescriptor; name: string }): ApiError {
  const who = o.binding ? `ValidatingAdmissionPolicy '${o.policy}' with binding '${o.binding}'` : `ValidatingAdmissionPolicy '${o.policy}'`;
  const inner = `${who} denied request: ${o.message}`;
  const d = o.descriptor;
  const resource = d.group ? `${d.plural}.${d.group}` : d.plural;
  const name = o.name || 'Unknown';
  const reason = o.reason || 'Invalid';
  return new ApiError(CODES[reason] ?? 422, reason, `${resource} "${name}" is forbidden: ${inner}`, { name, group: d.group, kind: d.plural, causes: [{ message: inner }] });
}

/** The Warning header text for a binding whose actions include Warn. */
export function policyWarning(policy: string, binding: string, message: string): string {
  return `Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${message}`;
}
