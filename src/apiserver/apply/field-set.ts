// Sets of field paths, as server-side apply tracks who owns what, and their FieldsV1 form in
// `metadata.managedFields`. A path is a list of FieldsV1 keys: `f:<field>` for an object's field
// (or a map's key), `k:{"name":"c"}` for the element of a list that merges by a key, `v:"x"` for a
// member of a list of primitives that merges as a set. An element a manager owns also owns its
// membership, the `.` key under it. Which lists merge how comes from the strategic-merge metadata
// (registry/patch-meta.ts); every other list is atomic, owned as a whole.
import type { TypePatchMeta } from '../../registry/patch-meta.js';

export type FieldPath = readonly string[];

/** Paths are kept as their JSON text: set operations then work on plain strings. */
export type FieldSet = Set<string>;

const key = (path: FieldPath) => JSON.stringify(path);
export const pathOf = (k: string): FieldPath => JSON.parse(k) as FieldPath;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The FieldsV1 key of a keyed list element. */
export function elementKey(item: Record<string, unknown>, mergeKey: string): string {
  return `k:${JSON.stringify({ [mergeKey]: item[mergeKey] })}`;
}

/**
 * Every leaf path an applied configuration sets. Object type data (`apiVersion`, `kind`), the
 * object's name and namespace, and `status` belong to nobody.
 */
export function fieldSetOf(obj: Record<string, unknown>, meta: TypePatchMeta | undefined): FieldSet {
  const out: FieldSet = new Set();
  for (const [field, value] of Object.entries(obj)) {
    if (field === 'apiVersion' || field === 'kind' || field === 'status' || value === null || value === undefined) continue;
    if (field === 'metadata' && isObject(value)) {
      const { name: _n, namespace: _ns, uid: _u, resourceVersion: _rv, generation: _g, creationTimestamp: _c, managedFields: _m, ...rest } = value;
      walk(rest, meta?.metadata?.type, ['f:metadata'], out);
      continue;
    }
    walkField(value, meta?.[field], [`f:${field}`], out);
  }
  return out;
}

function walk(obj: Record<string, unknown>, meta: TypePatchMeta | undefined, at: string[], out: FieldSet): void {
  for (const [field, value] of Object.entries(obj)) {
    if (value === null || value === undefined) continue;
    walkField(value, meta?.[field], [...at, `f:${field}`], out);
  }
}

function walkField(value: unknown, fm: TypePatchMeta[string] | undefined, at: string[], out: FieldSet): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    walk(value, fm?.type, at, out);
    return;
  }
  if (Array.isArray(value) && fm?.strategy === 'merge') {
    if (value.length === 0) {
      out.add(key(at));
      return;
    }
    for (const item of value) {
      if (fm.mergeKey && isObject(item)) {
        const el = [...at, elementKey(item, fm.mergeKey)];
        out.add(key([...el, '.']));
        walk(item, fm.type, el, out);
      } else {
        out.add(key([...at, `v:${JSON.stringify(item)}`]));
      }
    }
    return;
  }
  out.add(key(at));
}

/** The FieldsV1 tree of a set: nested objects, `{}` at every owned path. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const k of [...set].sort()) {
    let node = root;
    for (const token of pathOf(k)) node = (node[token] ??= {}) as Record<string, unknown>;
  }
  return root;
}

/** A stored FieldsV1 tree back to a set: its leaves, and every `.` entry. */
export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const visit = (node: unknown, at: string[]) => {
    if (!isObject(node)) return;
    const entries = Object.entries(node);
    if (entries.length === 0 && at.length > 0) out.add(key(at));
    for (const [token, child] of entries) visit(child, [...at, token]);
  };
  visit(tree, []);
  return out;
}

/** `.spec.containers[name="c"].image`, as upstream names a field in a conflict. */
export function describePath(path: FieldPath): string {
  let text = '';
  for (const token of path) {
    if (token === '.') continue;
    if (token.startsWith('f:')) text += `.${token.slice(2)}`;
    else if (token.startsWith('k:')) {
      const fields = JSON.parse(token.slice(2)) as Record<string, unknown>;
      text += `[${Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (token.startsWith('v:')) text += `[=${token.slice(2)}]`;
  }
  return text;
}

/** Adds every leaf path of `value` (at `at`) to `out`, as an applied configuration's would be. */
export { walkField as addLeavesOf };
