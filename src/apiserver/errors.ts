// Every failure the API reports is a metav1.Status; ApiError carries one from wherever it is raised
// to the HTTP layer, so handlers just throw.
import type { FieldError } from '../registry/field-errors.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    // Some upstream failures carry no reason at all (e.g. an eviction matching two budgets).
    if (!this.reason) delete s.reason;
    if (this.details) s.details = this.details;
    return s;
  }
}

/** The client went away before its request was read: nothing to answer, nothing wrong here. */
export class ClientGoneError extends Error {
  constructor(message = 'the client closed the connection before its request was read') {
    super(message);
    this.name = 'ClientGoneError';
  }
}

/** Identifies a resource in messages the way kube-apiserver does: `deployments.apps` or `configmaps`. */
export interface ResourceRef {
  group: string;
  resource: string;
}

const qualified = (r: ResourceRef) => (r.group ? `${r.resource}.${r.group}` : r.resource);

export function successStatus(details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}

export const errors = {
  notFound: (r: ResourceRef, name: string) =>
    new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.resource }),
  alreadyExists: (r: ResourceRef, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.resource }),
  conflict: (r: ResourceRef, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group, kind: r.resource }),
  /** `kind` is the object's Kind (Deployment), `group` its API group; kubectl prints `The Deployment "x" is invalid`. */
  invalid: (kind: string, group: string, name: string, causes: FieldError[]) => {
    const qualifiedKind = group ? `${kind}.${group}` : kind;
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    const message = `${qualifiedKind} "${name}" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`;
    return new ApiError(422, 'Invalid', message, {
      name, group, kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
    });
  },
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string, r?: ResourceRef, name?: string) =>
    new ApiError(403, 'Forbidden', message, r ? { name, group: r.group, kind: r.resource } : undefined),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') =>
    new ApiError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  tooLarge: (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  unsupportedMediaType: (message: string) => new ApiError(415, 'UnsupportedMediaType', message),
  tooManyRequests: (message: string, retryAfterSeconds: number) =>
    new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) }),
  /** The storage could not be reached: 500 ServerTimeout with Retry-After, which client-go (kubectl,
   *  informers) waits out and retries, on any verb. */
  serverTimeout: (r: ResourceRef, operation: string, retryAfterSeconds: number) =>
    new ApiError(500, 'ServerTimeout', `The ${operation} operation against ${qualified(r)} could not be completed at this time, please try again.`,
      { name: operation, group: r.group, kind: r.resource, retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) }),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
  // An empty details object, as upstream sends: kubectl debug reads details.causes on any 404.
  notFoundPath: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}),
};
