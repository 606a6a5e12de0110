// What the HTTPS client throws. A StatusError carries the API's Status the way the in-process
// client's errors do (code, reason, message, details), so callers test `hasReason(err, 'NotFound')`
// whichever client they hold. ServerUnavailableError means no API server could be reached at all.

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Array<{ reason?: string; message?: string; field?: string }>;
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

export class ServerUnavailableError extends Error {
  constructor(
    message: string,
    /** The servers tried, in order. */
    readonly servers: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServerUnavailableError';
  }
}

// The reasons a server gives with these codes, for an answer whose body is not a Status (a proxy's
// error page, say); the same table client-go falls back on.
const reasonByCode: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A Status object (from a response body or a watch ERROR event) as an error. */
export function statusErrorFromObject(obj: unknown, httpStatus?: number): StatusError | undefined {
  if (typeof obj !== 'object' || obj === null || (obj as { kind?: unknown }).kind !== 'Status') return undefined;
  const s = obj as { code?: unknown; reason?: unknown; message?: unknown; details?: unknown };
  const code = typeof s.code === 'number' && s.code > 0 ? s.code : (httpStatus ?? 500);
  const reason = typeof s.reason === 'string' && s.reason ? s.reason : (reasonByCode[code] ?? 'Unknown');
  const message = typeof s.message === 'string' && s.message ? s.message : `the server responded with ${code} ${reason}`;
  const details = typeof s.details === 'object' && s.details !== null ? (s.details as StatusDetails) : undefined;
  return new StatusError(code, reason, message, details);
}

/** The error for a non-2xx answer, whatever its body. */
export function statusErrorFromResponse(httpStatus: number, body: string): StatusError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const fromStatus = statusErrorFromObject(parsed, httpStatus);
  if (fromStatus) return fromStatus;
  const reason = reasonByCode[httpStatus] ?? 'Unknown';
  const text = body.trim().slice(0, 512);
  return new StatusError(httpStatus, reason, text ? `the server responded with ${httpStatus} ${reason}: ${text}` : `the server responded with ${httpStatus} ${reason}`);
}
