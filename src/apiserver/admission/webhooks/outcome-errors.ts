// The Status a client gets when a webhook refuses a write or cannot be asked, in upstream's words:
// kubectl users match on `admission webhook "x" denied the request` and `failed calling webhook "x"`.
import { ApiError, errors } from '../../errors.js';
import type { ResourceDescriptor } from '../../../registry/types.js';
import type { ReviewResult } from './review.js';

/** A denial: the webhook's own status, its message prefixed with who denied and what. */
export function deniedError(webhook: string, d: ResourceDescriptor, name: string, status: ReviewResult['status']): ApiError {
  const code = typeof status?.code === 'number' && status.code > 0 ? status.code : 403;
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const why = status?.message || status?.reason;
  const inner = why ? `${deniedBy}: ${why}` : `${deniedBy} without explanation`;
  const shownName = name || 'Unknown';
  const resource = d.group ? `${d.plural}.${d.group}` : d.plural;
  const internal = code === 500;
  const message = `${internal ? 'Internal error occurred' : `${resource} "${shownName}" is forbidden`}: ${inner}`;
  const reason = status?.reason || (internal ? 'InternalError' : 'Forbidden');
  const details = (status?.details as ApiError['details']) ?? (internal ? { causes: [{ message: inner }] } : { name: shownName, group: d.group, kind: d.plural });
  return new ApiError(code, reason, message, details);
}

/** The call failed and the webhook's failurePolicy is Fail. */
export function callingError(webhook: string, reason: string): ApiError {
  return errors.internal(`failed calling webhook "${webhook}": ${reason}`);
}

export function dryRunUnsupported(webhook: string): ApiError {
  return errors.badRequest(`admission webhook "${webhook}" does not support dry run`);
}
