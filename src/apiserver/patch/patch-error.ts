// The one error type of the patch layer. The server turns it into a Status: BadRequest → 400,
// Invalid → 422, Unsupported → 415 (reason UnsupportedMediaType).

export type PatchErrorCode = 'BadRequest' | 'Invalid' | 'Unsupported';

/** Shaped like a Status cause; kube-apiserver uses reason `UnexpectedServerResponse` for patch failures. */
export interface PatchErrorCause {
  reason: string;
  message: string;
  field?: string;
}

export interface PatchErrorOptions {
  code: PatchErrorCode;
  message: string;
  causes?: PatchErrorCause[];
  cause?: unknown;
}

export class PatchError extends Error {
  readonly code: PatchErrorCode;
  readonly causes: PatchErrorCause[];

  constructor(options: PatchErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PatchError';
    this.code = options.code;
    this.causes = options.causes ?? [];
  }

  /** HTTP status the API answers with. */
  get status(): 400 | 415 | 422 {
    return this.code === 'BadRequest' ? 400 : this.code === 'Invalid' ? 422 : 415;
  }

  /** The Status `reason` kube-apiserver uses for the same failure. */
  get reason(): 'BadRequest' | 'Invalid' | 'UnsupportedMediaType' {
    return this.code === 'Unsupported' ? 'UnsupportedMediaType' : this.code;
  }
}

export const badRequest = (message: string, cause?: unknown): PatchError =>
  new PatchError({ code: 'BadRequest', message, cause });

/**
 * kube-apiserver reports a patch that is well formed but cannot apply to the object (a json-patch path
 * that does not exist, a failed `test`) as a generic 422: a fixed message, the detail in one cause.
 */
export const cannotApply = (detail: string, cause?: unknown): PatchError =>
  new PatchError({
    code: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
    causes: [{ reason: 'UnexpectedServerResponse', message: detail }],
    cause,
  });
