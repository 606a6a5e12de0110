// A continue token pins the revision of the first page and the last key returned, so every page of
// one list is read from the same snapshot.
import { errors } from '../errors.js';

export interface ContinueToken {
  rv: number;
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

export function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { v?: string; rv?: unknown; start?: unknown };
    if (parsed.v === 'meta.k8s.io/v1' && Number.isSafeInteger(parsed.rv) && typeof parsed.start === 'string') {
      return { rv: parsed.rv as number, start: parsed.start };
    }
  } catch {
    // fall through to the error below
  }
  throw errors.badRequest('continue key is not valid: the continue token could not be decoded');
}
