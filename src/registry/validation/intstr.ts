// IntOrString fields such as maxSurge/maxUnavailable: a non-negative integer or "N%".
import { fieldError, type FieldError } from '../field-errors.js';

const PERCENT = /^[0-9]+%$/;

export function validateIntOrPercent(value: unknown, path: string, opts: { maxPercent?: number } = {}): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === 'number') {
    return value < 0 ? [fieldError.invalid(path, value, 'must be greater than or equal to 0')] : [];
  }
  if (typeof value !== 'string' || !PERCENT.test(value)) {
    return [fieldError.invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  const n = Number(value.slice(0, -1));
  if (opts.maxPercent !== undefined && n > opts.maxPercent) {
    return [fieldError.invalid(path, value, `must not be greater than ${opts.maxPercent}%`)];
  }
  return [];
}

export function isZeroIntOrPercent(value: unknown): boolean {
  return value === 0 || value === '0%' || value === '0';
}
