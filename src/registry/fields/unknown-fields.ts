// Finds the field names an object carries that its kind's API types do not have, as kube-apiserver's
// strict decoding does for `?fieldValidation=Strict|Warn`. Only names are checked: a value whose
// shape does not fit its type (a string where an object belongs) is not descended into, because
// type errors are reported elsewhere.
import { fieldShapes, rootShape, type ObjectShape, type Shape } from './schema.js';

/** Upstream stops listing long before this; a bound keeps a hostile object cheap. */
export const maxUnknownFields = 100;

/**
 * Paths of the unknown fields in document order, in upstream notation
 * (`spec.template.spec.containers[0].imagee`); undefined when the kind has no table.
 */
export function unknownFields(group: string, kind: string, obj: unknown, opts: { prune?: boolean } = {}): string[] | undefined {
  const root = rootShape(group, kind);
  if (root === undefined) return undefined;
  const out: string[] = [];
  walk(root, obj, [], { out, prune: !!opts.prune });
  return out;
}

/** The message strict validation fails with, after `<Kind> in version "v1" cannot be handled as a <Kind>: `. */
export function strictDecodingMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map(unknownFieldText).join(', ')}`;
}

/** One unknown field as upstream words it (also the text of each `Warning: 299` header). */
export function unknownFieldText(path: string): string {
  return `unknown field "${path}"`;
}

// `path` holds field names and list indexes, formatted only when something is reported.
type Path = Array<string | number>;

function format(path: Path, last: string): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s === '' ? last : `${s}.${last}`;
}

interface Walk {
  out: string[];
  /** Remove unknown fields, as decoding into the API types drops them. Pruning visits everything;
   *  only the report is capped. */
  prune: boolean;
}

const full = (w: Walk) => !w.prune && w.out.length >= maxUnknownFields;

// Decoded JSON and YAML are plain objects, so for-in sees exactly their own keys, in document order.
function walk(shape: Shape, value: unknown, path: Path, w: Walk): void {
  if (value === null || typeof value !== 'object') return;
  if (shape.kind === 'object') {
    if (!Array.isArray(value)) walkObject(shape, value as Record<string, unknown>, path, w);
  } else if (shape.kind === 'list') {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length && !full(w); i++) {
      path.push(i);
      walk(shape.item, value[i], path, w);
      path.pop();
    }
  } else {
    if (Array.isArray(value)) return;
    for (const key in value) {
      if (full(w)) return;
      path.push(key);
      walk(shape.value, (value as Record<string, unknown>)[key], path, w);
      path.pop();
    }
  }
}

function walkObject(shape: ObjectShape, value: Record<string, unknown>, path: Path, w: Walk): void {
  const fields = shape.fields ?? fieldShapes(shape);
  for (const key in value) {
    if (full(w)) return;
    const field = fields[key];
    if (field === undefined) {
      if (w.out.length < maxUnknownFields) w.out.push(format(path, key));
      if (w.prune) delete value[key];
    } else if (field !== null) {
      path.push(key);
      walk(field, value[key], path, w);
      path.pop();
    }
  }
}
