// The object side of server-side apply: lay an applied configuration over the live object, read
// the value at a field path, and take away the fields a manager stopped applying. Lists merge the
// way field-set.ts names their elements: by key, as a set, or atomically (replaced whole).
import type { TypePatchMeta } from '../../registry/patch-meta.js';
import type { FieldPath } from './field-set.js';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `live` with every field `applied` sets, merged in place; nulls in `applied` set nothing. */
export function mergeApplied(live: Obj, applied: Obj, meta: TypePatchMeta | undefined): Obj {
  for (const [field, value] of Object.entries(applied)) {
    if (value === null || value === undefined) continue;
    const fm = meta?.[field];
    const current = live[field];
    if (isObject(value) && isObject(current)) {
      mergeApplied(current, value, fm?.type);
    } else if (Array.isArray(value) && Array.isArray(current) && fm?.strategy === 'merge') {
      live[field] = mergeList(current, value, fm.mergeKey, fm.type);
    } else {
      live[field] = structuredClone(value);
    }
  }
  return live;
}

function mergeList(current: unknown[], applied: unknown[], mergeKey: string | undefined, type: TypePatchMeta | undefined): unknown[] {
  const out = [...current];
  for (const item of applied) {
    if (mergeKey && isObject(item)) {
      const at = out.findIndex((c) => isObject(c) && c[mergeKey] === item[mergeKey]);
      if (at >= 0) mergeApplied(out[at] as Obj, item, type);
      else out.push(structuredClone(item));
    } else if (!out.some((c) => JSON.stringify(c) === JSON.stringify(item))) {
      out.push(structuredClone(item));
    }
  }
  return out;
}

/** Where a path leads: the container holding the last step, and how to reach it. */
type Step = { parent: Obj; field: string } | { list: unknown[]; index: number };

function locate(obj: Obj, path: FieldPath): Step | undefined {
  let node: unknown = obj;
  let step: Step | undefined;
  for (const token of path) {
    if (token === '.') break;
    if (token.startsWith('f:')) {
      if (!isObject(node)) return undefined;
      step = { parent: node, field: token.slice(2) };
      node = node[token.slice(2)];
    } else if (token.startsWith('k:') || token.startsWith('v:')) {
      if (!Array.isArray(node)) return undefined;
      const want = JSON.parse(token.slice(2)) as unknown;
      const index = token.startsWith('k:')
        ? node.findIndex((item) => isObject(item) && Object.entries(want as Obj).every(([k, v]) => item[k] === v))
        : node.findIndex((item) => JSON.stringify(item) === JSON.stringify(want));
      if (index < 0) return undefined;
      step = { list: node, index };
      node = node[index];
    } else {
      return undefined;
    }
  }
  return step;
}

/** The value at a path (undefined when absent). */
export function valueAt(obj: Obj, path: FieldPath): unknown {
  const step = locate(obj, path);
  if (!step) return undefined;
  return 'parent' in step ? step.parent[step.field] : step.list[step.index];
}

/** Removes the field (or list element) at a path, if it is there. */
export function removeAt(obj: Obj, path: FieldPath): void {
  const step = locate(obj, path);
  if (!step) return;
  if ('parent' in step) delete step.parent[step.field];
  else step.list.splice(step.index, 1);
}

/** Drops objects left empty by removals along `path` (a map nobody sets any more is not kept). */
export function pruneEmpty(obj: Obj, path: FieldPath): void {
  for (let n = path.length - 1; n > 0; n--) {
    const prefix = path.slice(0, n);
    if (!prefix[prefix.length - 1]!.startsWith('f:')) continue;
    const value = valueAt(obj, prefix);
    if (isObject(value) && Object.keys(value).length === 0) removeAt(obj, prefix);
    else break;
  }
}
