// Validates a custom object against its structural schema, with kube-apiserver's wording and paths
// (`spec.cronSpec: Invalid value: "x": spec.cronSpec in body should match '^...'`), so a user who
// searches for the message finds the upstream explanations.
import { fieldError, type FieldError } from '../field-errors.js';
import type { JSONSchemaProps } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The JSON type name upstream reports for a value. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return true;
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Formats upstream checks; anything else is documentation only, as there. */
function formatError(format: string, v: unknown): boolean {
  if (format === 'int32') return typeof v === 'number' && (v < -2147483648 || v > 2147483647);
  if (format === 'int64') return typeof v === 'number' && !Number.isSafeInteger(v) && Math.abs(v) > 9223372036854775807;
  if (typeof v !== 'string') return false;
  if (format === 'date-time') return !RFC3339.test(v) || Number.isNaN(Date.parse(v.replace(' ', 'T')));
  if (format === 'date') return !DATE.test(v) || Number.isNaN(Date.parse(v));
  if (format === 'byte') return !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0;
  if (format === 'uuid') return !/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v);
  return false;
}

/** Upstream compiles patterns with Go's RE2; JavaScript's engine reads the common subset alike. */
const patternCache = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re;
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, val) => (isObject(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val));

/** Go's %v of a map key set, as upstream prints duplicate list-map entries. */
const goMap = (v: Record<string, unknown>) => `map[string]interface {}{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${typeof v[k] === 'string' ? JSON.stringify(v[k]) : String(v[k])}`).join(', ')}}`;

export function validateValue(schema: JSONSchemaProps | undefined, value: unknown, path: string, out: FieldError[] = []): FieldError[] {
  if (!schema) return out;
  const at = path || '<root>';
  if (value === null) {
    if (schema.nullable) return out;
    if (schema.type) out.push(fieldError.invalid(path, 'null', `${at} in body must be of type ${schema.type}: "null"`));
    return out;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
      out.push(fieldError.invalid(path, typeName(value), `${at} in body must be of type integer,string: "${typeName(value)}"`));
      return out;
    }
  } else if (schema.type && !typeMatches(schema.type, value)) {
    out.push(fieldError.invalid(path, typeName(value), `${at} in body must be of type ${schema.type}: "${typeName(value)}"`));
    return out;
  }
  if (schema.format && formatError(schema.format, value)) {
    out.push(fieldError.invalid(path, value, `${at} in body must be of type ${schema.format}: ${JSON.stringify(String(value))}`));
  }
  if (schema.enum && !schema.enum.some((e) => canonical(e) === canonical(value))) {
    out.push({ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined) {
      if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
        out.push(fieldError.invalid(path, value, `${at} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`));
      }
    }
    if (schema.maximum !== undefined) {
      if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
        out.push(fieldError.invalid(path, value, `${at} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`));
      }
    }
    if (schema.multipleOf !== undefined && schema.multipleOf > 0 && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9) {
      out.push(fieldError.invalid(path, value, `${at} in body should be a multiple of ${schema.multipleOf}`));
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.maxLength !== undefined && length > schema.maxLength) out.push(fieldError.tooLong(path, schema.maxLength));
    if (schema.minLength !== undefined && length < schema.minLength) out.push(fieldError.invalid(path, value, `${at} in body should be at least ${schema.minLength} chars long`));
    if (schema.pattern !== undefined) {
      const re = compiled(schema.pattern);
      if (re && !re.test(value)) out.push(fieldError.invalid(path, value, `${at} in body should match '${schema.pattern}'`));
    }
  }
  if (Array.isArray(value)) validateArray(schema, value, path, at, out);
  if (isObject(value)) validateObject(schema, value, path, at, out);
  for (const sub of schema.allOf ?? []) validateValue(sub, value, path, out);
  if (schema.anyOf?.length && !schema.anyOf.some((s) => validateValue(s, value, path).length === 0)) {
    out.push(fieldError.invalid(path, value, `${at} in body must validate at least one schema (anyOf)`));
  }
  if (schema.oneOf?.length && schema.oneOf.filter((s) => validateValue(s, value, path).length === 0).length !== 1) {
    out.push(fieldError.invalid(path, value, `${at} in body must validate one and only one schema (oneOf)`));
  }
  if (schema.not && validateValue(schema.not, value, path).length === 0) {
    out.push(fieldError.invalid(path, value, `${at} in body must not validate the schema (not)`));
  }
  return out;
}

function validateArray(schema: JSONSchemaProps, value: unknown[], path: string, at: string, out: FieldError[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(fieldError.tooMany(path, value.length, schema.maxItems));
  if (schema.minItems !== undefined && value.length < schema.minItems) out.push(fieldError.invalid(path, value.length, `${at} in body should have at least ${schema.minItems} items`));
  const listType = schema['x-kubernetes-list-type'];
  if (schema.uniqueItems || listType === 'set') {
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const key = canonical(item);
      if (seen.has(key)) out.push(fieldError.duplicate(`${path}[${i}]`, item));
      seen.add(key);
    });
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (!isObject(item)) return;
      const picked = Object.fromEntries(keys.map((k) => [k, item[k] ?? schema.items?.properties?.[k]?.default]));
      const key = canonical(picked);
      if (seen.has(key)) out.push({ reason: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${goMap(picked)}` });
      seen.add(key);
    });
  }
  if (schema.items) value.forEach((item, i) => validateValue(schema.items, item, `${path}[${i}]`, out));
}

function validateObject(schema: JSONSchemaProps, value: Record<string, unknown>, path: string, at: string, out: FieldError[]): void {
  const child = (k: string) => (path ? `${path}.${k}` : k);
  for (const name of schema.required ?? []) if (!(name in value)) out.push(fieldError.required(child(name)));
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) out.push(fieldError.tooMany(path, count, schema.maxProperties));
  if (schema.minProperties !== undefined && count < schema.minProperties) out.push(fieldError.invalid(path, count, `${at} in body should have at least ${schema.minProperties} properties`));
  // metadata of an embedded object is checked as ObjectMeta by the caller, not by the schema.
  const embedded = schema['x-kubernetes-embedded-resource'];
  if (embedded) {
    for (const f of ['apiVersion', 'kind']) if (typeof value[f] !== 'string' || value[f] === '') out.push(fieldError.required(child(f), 'must not be empty'));
  }
  for (const [k, v] of Object.entries(value)) {
    const prop = schema.properties?.[k];
    if (prop) validateValue(prop, v, child(k), out);
    else if (isObject(schema.additionalProperties)) validateValue(schema.additionalProperties, v, `${path}[${k}]`, out);
  }
}
