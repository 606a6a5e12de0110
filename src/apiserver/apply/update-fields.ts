// Field ownership for ordinary writes (create, update, patch, subresources): the writer's field
// manager gets an `Update` entry in `metadata.managedFields` owning what its write added or changed,
// other entries lose what it changed or removed, as upstream's field manager does for non-apply
// operations. Only the changed parts of the object are walked, and entries the write does not touch
// are kept as they are (no re-encoding), so a write pays roughly in proportion to what it changes.
import type { FieldPatchMeta, TypePatchMeta } from '../../registry/patch-meta.js';
import { addLeavesOf, elementKey, fromFieldsV1, toFieldsV1, type FieldSet } from './field-set.js';
import type { ManagedFieldsEntry } from './server-side-apply.js';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isFull = (v: unknown) => isObject(v) && Object.keys(v).length > 0;

/** Equality of JSON values; several times faster than util.isDeepStrictEqual on API objects. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const vb = (b as Obj)[k];
    if (vb === undefined && !(k in b)) return false;
    if (!jsonEqual((a as Obj)[k], vb)) return false;
  }
  return true;
}

export interface FieldChanges {
  /** Leaves the write added or gave another value. */
  changed: FieldSet;
  removed: FieldSet;
}

/** Metadata the server owns: never anyone's field. */
const serverMeta = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']);

/** What changed from `old` (absent on create) to `next`, as field paths. */
export function diffFields(old: Obj | undefined, next: Obj, meta: TypePatchMeta | undefined): FieldChanges {
  const out: FieldChanges = { changed: new Set(), removed: new Set() };
  if (!old) {
    addedFields(next, meta, out.changed);
    return out;
  }
  const strip = (o: Obj | undefined) => {
    if (!o) return {};
    const { apiVersion: _a, kind: _k, metadata, ...rest } = o;
    const m: Obj = {};
    if (isObject(metadata)) for (const [k, v] of Object.entries(metadata)) if (!serverMeta.has(k)) m[k] = v;
    return Object.keys(m).length > 0 ? { ...rest, metadata: m } : rest;
  };
  diffObject(strip(old), strip(next), meta, [], out);
  return out;
}

/** A create's changes: every leaf of the new object, found without building the stripped copies the
 *  diff against nothing would compare (a create is the most common write, and this is its cost). */
function addedFields(next: Obj, meta: TypePatchMeta | undefined, changed: FieldSet): void {
  for (const field of Object.keys(next)) {
    const value = next[field];
    if (field === 'apiVersion' || field === 'kind' || value === undefined || value === null) continue;
    if (field !== 'metadata') {
      addLeavesOf(value, meta?.[field], [`f:${field}`], changed);
      continue;
    }
    if (!isObject(value)) continue;
    const metaTypes = meta?.metadata?.type;
    for (const k of Object.keys(value)) {
      const v = value[k];
      if (v !== undefined && v !== null && !serverMeta.has(k)) addLeavesOf(v, metaTypes?.[k], ['f:metadata', `f:${k}`], changed);
    }
  }
}

function diffObject(a: Obj, b: Obj, meta: TypePatchMeta | undefined, at: string[], out: FieldChanges): void {
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) diffValue(a[field], b[field], meta?.[field], [...at, `f:${field}`], out);
}

function diffValue(a: unknown, b: unknown, fm: FieldPatchMeta | undefined, at: string[], out: FieldChanges): void {
  if (a === undefined || a === null) {
    if (b !== undefined && b !== null) addLeavesOf(b, fm, at, out.changed);
    return;
  }
  if (b === undefined || b === null) {
    addLeavesOf(a, fm, at, out.removed);
    return;
  }
  // One comparison prunes an unchanged subtree; only the changed paths are walked.
  if (a === b || jsonEqual(a, b)) return;
  if (isFull(a) && isFull(b)) return diffObject(a as Obj, b as Obj, fm?.type, at, out);
  if (Array.isArray(a) && Array.isArray(b) && a.length > 0 && b.length > 0 && fm?.strategy === 'merge') return diffList(a, b, fm, at, out);
  // The shape changed (or a leaf's value did): compare the leaves of both sides.
  const before: FieldSet = new Set();
  const after: FieldSet = new Set();
  addLeavesOf(a, fm, at, before);
  addLeavesOf(b, fm, at, after);
  for (const k of after) out.changed.add(k);
  for (const k of before) if (!after.has(k)) out.removed.add(k);
}

function diffList(a: unknown[], b: unknown[], fm: FieldPatchMeta, at: string[], out: FieldChanges): void {
  const keyed = (list: unknown[]) => {
    const map = new Map<string, unknown>();
    for (const item of list) {
      if (fm.mergeKey && isObject(item)) map.set(elementKey(item, fm.mergeKey), item);
      else map.set(`v:${JSON.stringify(item)}`, item);
    }
    return map;
  };
  const before = keyed(a);
  const after = keyed(b);
  for (const [k, item] of after) {
    const old = before.get(k);
    if (old === undefined) addLeavesOf([item], fm, at, out.changed);
    else if (k.startsWith('k:') && !jsonEqual(old, item)) diffObject(old as Obj, item as Obj, fm.type, [...at, k], out);
  }
  for (const [k, item] of before) if (!after.has(k)) addLeavesOf([item], fm, at, out.removed);
}

export interface UpdateManager {
  manager: string;
  apiVersion: string;
  subresource?: string;
  time: string;
}

const sameIdentity = (e: ManagedFieldsEntry, m: UpdateManager) =>
  e.manager === m.manager && e.operation === 'Update' && e.apiVersion === m.apiVersion && (e.subresource ?? '') === (m.subresource ?? '');

/** Whether a FieldsV1 tree holds `path` or anything under it. */
function touches(tree: unknown, path: readonly string[]): boolean {
  let node = tree;
  for (const token of path) {
    if (!isObject(node)) return false;
    node = node[token];
    if (node === undefined) return false;
  }
  return true;
}

/** Upstream keeps at most this many Update entries; older ones fold into one. */
const maxUpdateEntries = 10;
const ancientManager = 'ancient-changes';

/** The managedFields after `writer`'s write made `changes`. */
export function recordUpdate(entries: readonly ManagedFieldsEntry[], changes: FieldChanges, writer: UpdateManager): ManagedFieldsEntry[] {
  const hit = entries.length === 0 ? [] : [...changes.changed, ...changes.removed].map((k) => JSON.parse(k) as string[]);
  const out: ManagedFieldsEntry[] = [];
  let previous: FieldSet | undefined;
  for (const e of entries) {
    const mine = sameIdentity(e, writer);
    if (!mine && !hit.some((p) => touches(e.fieldsV1, p))) {
      out.push(e);
      continue;
    }
    const set = fromFieldsV1(e.fieldsV1);
    for (const k of changes.changed) set.delete(k);
    for (const k of changes.removed) set.delete(k);
    if (mine) previous = set;
    else if (set.size > 0) out.push({ ...e, fieldsV1: toFieldsV1(set) });
  }
  if (changes.changed.size > 0) {
    const set = previous ?? new Set<string>();
    for (const k of changes.changed) set.add(k);
    out.push(entryOf(writer, set));
  } else if (previous && previous.size > 0) {
    const kept = entries.find((e) => sameIdentity(e, writer))!;
    out.push({ ...kept, fieldsV1: toFieldsV1(previous) });
  }
  return sortEntries(capUpdates(out, writer.time));
}

function entryOf(m: UpdateManager, set: FieldSet): ManagedFieldsEntry {
  return {
    manager: m.manager, operation: 'Update', apiVersion: m.apiVersion, time: m.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  };
}

function capUpdates(entries: ManagedFieldsEntry[], time: string): ManagedFieldsEntry[] {
  const updates = entries.filter((e) => e.operation === 'Update');
  if (updates.length <= maxUpdateEntries) return entries;
  const ancient = updates.find((e) => e.manager === ancientManager);
  // The folded entries become one (or join the one there is), and that one counts too.
  const fold = updates.length - maxUpdateEntries + (ancient ? 0 : 1);
  const oldest = new Set(updates.filter((e) => e !== ancient).sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '')).slice(0, fold));
  const set: FieldSet = new Set();
  for (const e of [...oldest, ...(ancient ? [ancient] : [])]) for (const k of fromFieldsV1(e.fieldsV1)) set.add(k);
  const rest = entries.filter((e) => !oldest.has(e) && e !== ancient);
  return [...rest, { manager: ancientManager, operation: 'Update', apiVersion: oldest.values().next().value!.apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set) }];
}

/** Upstream's order: Apply before Update, then oldest first, then by manager. */
function sortEntries(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.sort((p, q) =>
    p.operation !== q.operation ? (p.operation < q.operation ? -1 : 1)
      : (p.time ?? '') !== (q.time ?? '') ? ((p.time ?? '') < (q.time ?? '') ? -1 : 1)
        : p.manager !== q.manager ? (p.manager < q.manager ? -1 : 1)
          : (p.subresource ?? '').localeCompare(q.subresource ?? ''));
}

/** The manager of a request as upstream names it: `?fieldManager=`, else the User-Agent up to its
 *  first `/` (kubectl sends `kubectl-client-side-apply/v1.32.0 (linux/amd64) …`). */
export function fieldManagerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const given = query.get('fieldManager');
  if (given !== null && given !== '') return given;
  return (userAgent ?? '').split('/', 1)[0]!.slice(0, 128);
}
