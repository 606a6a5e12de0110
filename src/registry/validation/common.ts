// Small shared checks and helpers.
import { BlockList, isIP } from 'node:net';
import { fieldError, type FieldError } from '../field-errors.js';

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asObject = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
export const asArray = <T = unknown>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

export const MAX_INT32 = 2147483647;

export const inclusiveRange = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;
export const NON_NEGATIVE = 'must be greater than or equal to 0';
export const IMMUTABLE = 'field is immutable';

export function validateNonNegative(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [fieldError.invalid(path, value, NON_NEGATIVE)] : [];
}

export function validatePortNumber(value: unknown, path: string): FieldError[] {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    return [fieldError.invalid(path, value, inclusiveRange(1, 65535))];
  }
  return [];
}

/** IANA_SVC_NAME rules for named ports. */
export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/**
 * JSON with sorted keys, dropping null/undefined and empty lists and maps: Kubernetes compares
 * objects "semantically", where nil and empty are the same.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(normalize(value)) ?? 'null';
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(normalize) : undefined;
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = normalize(value[k]);
      if (v !== undefined && v !== null) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

export const semanticEqual = (a: unknown, b: unknown) => canonical(a) === canonical(b);

export const deepClone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/**
 * Is `ip` an IPv4 or IPv6 literal? Returns 4, 6 or 0. A zone (`fe80::1%eth0`) is not an address
 * the API accepts, although Node's parser allows one.
 */
export function ipFamily(ip: string): 4 | 6 | 0 {
  if (ip.includes('%')) return 0;
  return isIP(ip) as 4 | 6 | 0;
}

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');

/** In 169.254.0.0/16 or fe80::/10 (IPv4-mapped IPv6 addresses count as their IPv4 address). */
export function isLinkLocal(ip: string): boolean {
  const family = ipFamily(ip);
  return family !== 0 && LINK_LOCAL.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
