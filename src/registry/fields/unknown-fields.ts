// What decoding a request into the kind's API types would do, done on the JSON: fields the types do
// not have are found (and dropped, when asked), values of the wrong JSON type are refused the way
// Go's decoder refuses them, and explicit nulls are dropped as decoding leaves them at zero values.
// Only names and JSON types are checked; value rules are validation's job.
import { fieldsOf, rootType } from './schema.js';
import type { FieldType } from './types.js';

/** Upstream stops listing long before this; a bound keeps a hostile object cheap. */
export const maxUnknownFields = 100;

export interface DecodeCheck {
  /** Paths of unknown fields in document order, e.g. `spec.template.spec.containers[0].imagee`. */
  unknown: string[];
  /** The first value of the wrong JSON type, worded like Go's decoder, or undefined. */
  typeError?: string;
}

export interface DecodeCheckOptions {
  /** Remove unknown fields and null values from `obj` (the stored form has neither). */
  normalize?: boolean;
  /** The served version, for kinds whose versions differ in shape. */
  version?: string;
}

/** Undefined when the kind has no field table. */
export function checkDecoding(group: string, kind: string, obj: unknown, opts: DecodeCheckOptions = {}): DecodeCheck | undefined {
  const root = rootType(group, kind, opts.version);
  if (root === undefined) return undefined;
  const w: Walk = { unknown: [], normalize: !!opts.normalize, path: [] };
  walk({ object: root }, obj, root, w);
  return w.typeError === undefined ? { unknown: w.unknown } : { unknown: w.unknown, typeError: w.typeError };
}

/** Paths of the unknown fields; with `prune`, also removes them (and nulls) from `obj`. */
export function unknownFields(group: string, kind: string, obj: unknown, opts: { prune?: boolean; version?: string } = {}): string[] | undefined {
  return checkDecoding(group, kind, obj, { normalize: opts.prune, version: opts.version })?.unknown;
}

/** The message strict validation fails with, after `<Kind> in version "v1" cannot be handled as a <Kind>: `. */
export function strictDecodingMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map(unknownFieldText).join(', ')}`;
}

/** One unknown field as upstream words it (also the text of each `Warning: 299` header). */
export function unknownFieldText(path: string): string {
  return `unknown field "${path}"`;
}

interface Walk {
  unknown: string[];
  typeError?: string;
  normalize: boolean;
  /** Field names and list indexes, formatted only when something is reported. */
  path: Array<string | number>;
}

const full = (w: Walk) => !w.normalize && (w.unknown.length >= maxUnknownFields || w.typeError !== undefined);

function format(path: Array<string | number>, withIndexes: boolean): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (withIndexes) s += `[${seg}]`;
    } else s += s === '' ? seg : `.${seg}`;
  }
  return s;
}

const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v);

const goType: Record<string, string> = { string: 'string', time: 'string', bytes: 'string', int: 'int32', int64: 'int64', number: 'float64', bool: 'bool', quantity: 'resource.Quantity', intOrString: 'intstr.IntOrString' };

// Go decodes into sized integers and refuses what does not fit, as it refuses a fraction.
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function scalarFits(t: string, v: unknown): boolean {
  switch (t) {
    case 'any':
      return true;
    case 'string':
    case 'time':
    case 'bytes':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
    case 'int64':
      // 2^63 itself is the first double past int64's range.
      return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63;
    case 'number':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'quantity':
      return typeof v === 'string' || typeof v === 'number';
    case 'intOrString':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX);
    default:
      return false;
  }
}

/** `owner` is the Go type whose field holds the value, for the message (`Container.spec...image`). */
function mismatch(w: Walk, owner: string, v: unknown, want: string): void {
  if (w.typeError !== undefined) return;
  // Go names a number by its value when it was refused for not fitting an integer type, and any
  // other misfit by its JSON type alone.
  const shown = typeof v === 'number' && /int/.test(want) ? `number ${v}` : jsonType(v);
  w.typeError = `json: cannot unmarshal ${shown} into Go struct field ${owner}.${format(w.path, false)} of type ${want}`;
}

/** The zero value Go's decoder leaves for a JSON null, where the stored form cannot simply omit it. */
function zeroOf(t: FieldType): unknown {
  if (typeof t === 'string') return t === 'int' || t === 'int64' || t === 'number' ? 0 : t === 'bool' ? false : t === 'any' ? null : '';
  if ('object' in t || 'map' in t) return {};
  return [];
}

function walk(t: FieldType, v: unknown, owner: string, w: Walk): void {
  if (v === null || full(w)) return;
  if (typeof t === 'string') {
    if (!scalarFits(t, v)) mismatch(w, owner, v, goType[t] ?? t);
    return;
  }
  if ('object' in t) {
    if (typeof v !== 'object' || Array.isArray(v)) return mismatch(w, owner, v, t.object);
    const fields = fieldsOf(t.object)!;
    const obj = v as Record<string, unknown>;
    // Decoded JSON and YAML are plain objects, so for-in sees exactly their own keys, in document order.
    for (const key in obj) {
      if (full(w)) return;
      const ft = fields.get(key);
      w.path.push(key);
      if (ft === undefined) {
        if (w.unknown.length < maxUnknownFields) w.unknown.push(format(w.path, true));
        if (w.normalize) delete obj[key];
      } else if (obj[key] === null) {
        if (w.normalize) delete obj[key];
      } else walk(ft, obj[key], t.object, w);
      w.path.pop();
    }
    return;
  }
  if ('list' in t) {
    if (!Array.isArray(v)) return mismatch(w, owner, v, `[]${describe(t.list)}`);
    for (let i = 0; i < v.length && !full(w); i++) {
      if (v[i] === null && w.normalize) v[i] = zeroOf(t.list);
      w.path.push(i);
      walk(t.list, v[i], owner, w);
      w.path.pop();
    }
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return mismatch(w, owner, v, `map[string]${describe(t.map)}`);
  const map = v as Record<string, unknown>;
  for (const key in map) {
    if (full(w)) return;
    if (map[key] === null) {
      // A null map value decodes to the value type's zero value.
      if (w.normalize) map[key] = zeroOf(t.map);
      continue;
    }
    w.path.push(key);
    walk(t.map, map[key], owner, w);
    w.path.pop();
  }
}

function describe(t: FieldType): string {
  if (typeof t === 'string') return goType[t] ?? 'interface {}';
  if ('object' in t) return t.object;
  if ('list' in t) return `[]${describe(t.list)}`;
  return `map[string]${describe(t.map)}`;
}
