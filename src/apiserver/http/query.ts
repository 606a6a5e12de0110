// Query parameters read as typed values. A value that is not what the parameter takes is a 400,
// never quietly read as something else (a watch that never ends, a LIST that ignores its revision).
import { errors } from '../errors.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Absent is false. As upstream, an empty value means true (`?watch`); beyond that only true/false
 * and 1/0 (any case) are accepted, where upstream would read any other word as true.
 */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  const lower = v.toLowerCase();
  if (lower === '' || lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw errors.badRequest(`${name}: Invalid value: ${JSON.stringify(v)}: must be true or false`);
}

/** Absent is undefined; otherwise a decimal integer within int64, in Go's words when it is not. */
export function queryInt64(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  return parseInt64(v, name);
}

export function parseInt64(text: string, name: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw errors.badRequest(`${name}: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) throw errors.badRequest(`${name}: strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`);
  return Number(n);
}

/** A resourceVersion is "" (any), or the decimal revision of a write. */
export function queryResourceVersion(query: URLSearchParams): string | undefined {
  const v = query.get('resourceVersion');
  if (v === null || v === '') return v ?? undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw errors.badRequest(`resourceVersion: Invalid value: ${JSON.stringify(v)}: must be a decimal revision as returned by the server`);
  }
  return v;
}
