// Strategic merge patch (`application/strategic-merge-patch+json`), what kubectl apply, edit, set,
// taint, cordon and plain `kubectl patch` send for built-in kinds. Objects merge key by key and null
// deletes; a list merges element-wise only when the kind's patch metadata says so (by merge key for
// objects, as a set for primitives), otherwise the patch replaces it. Directives: `$patch`
// (replace | delete | merge) on objects and list elements, `$retainKeys`, `$setElementOrder/<list>`
// and `$deleteFromPrimitiveList/<list>`.
import type { FieldPatchMeta, TypePatchMeta } from '../../registry/patch-meta.js';
import { describeJson, isObject, type JsonObject, ownValue, setOwn } from './json-object.js';
import { orderMergedList, type KeyOf } from './list-order.js';
import { badRequest, PatchError } from './patch-error.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

const isDirectiveKey = (k: string) =>
  k === PATCH || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM);

const show = (v: unknown) => JSON.stringify(v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Returns the patched copy; `original` and `patch` are never modified. `meta` is the kind's patch
 * metadata (registry/patch-meta.ts); fields it does not describe merge as objects or replace as lists.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: TypePatchMeta): unknown {
  if (!isObject(patch)) {
    throw badRequest(`invalid strategic merge patch: the body must be a JSON object, not ${describeJson(patch)}`);
  }
  const target = isObject(original) ? structuredClone(original) : {};
  const result = mergeObject(target, patch, meta, '');
  if (result === undefined) throw badRequest('invalid strategic merge patch: "$patch": "delete" cannot delete the whole object');
  return result;
}

/** Merges `patch` into `target` in place. Returns undefined when the patch deletes the object. */
function mergeObject(target: JsonObject, patch: JsonObject, meta: TypePatchMeta | undefined, path: string): JsonObject | undefined {
  const directive = ownValue(patch, PATCH);
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return mergeObject({}, withoutKey(patch, PATCH), meta, path);
  if (directive !== undefined && directive !== 'merge') {
    throw badRequest(`unknown patch type: ${show(directive)} in map: ${show(patch)}`);
  }

  retainKeys(target, patch);
  const ordered = applyElementOrders(target, patch, meta, path);

  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key) || ordered.has(key)) continue;
    if (value === null) {
      delete target[key];
      continue;
    }
    const merged = mergeValue(ownValue(target, key), value, meta?.[key], join(path, key));
    if (merged === undefined) delete target[key];
    else setOwn(target, key, merged);
  }

  deleteFromPrimitiveLists(target, patch);
  return target;
}

/** The value a patch leaves at one field; undefined removes the field. */
function mergeValue(current: unknown, patch: unknown, field: FieldPatchMeta | undefined, path: string): unknown {
  if (isObject(patch)) return mergeObject(isObject(current) ? current : {}, patch, field?.type, path);
  if (Array.isArray(patch)) return mergeList(Array.isArray(current) ? current : [], patch, field, path);
  return patch;
}

/** `$retainKeys`: the object keeps only the listed keys (a union switching members), then merges. */
function retainKeys(target: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const keep = patch[RETAIN_KEYS];
  if (!Array.isArray(keep)) throw badRequest('invalid patch format of retainKeys: the $retainKeys value must be a list');
  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key) || value === null) continue;
    if (!keep.includes(key)) {
      throw badRequest(`invalid patch format of retainKeys: field ${show(key)} is set but missing from $retainKeys ${show(keep)}`);
    }
  }
  for (const key of Object.keys(target)) if (!keep.includes(key)) delete target[key];
}

function mergeList(current: unknown[], patch: unknown[], field: FieldPatchMeta | undefined, path: string): unknown[] {
  if (field?.strategy !== 'merge') {
    // Replaced whole; elements still lose their directives and nulls, as they would on create.
    return patch.flatMap((el) => {
      const v = mergeValue(undefined, el, { type: field?.type }, path);
      return v === undefined ? [] : [v];
    });
  }
  if (current.length === 0 && patch.length === 0) return current;
  if ([...current, ...patch].some(Array.isArray)) {
    throw new PatchError({ code: 'Invalid', message: `lists of lists are not supported (at ${path})` });
  }
  const objects = patch.some(isObject) || (patch.length === 0 && current.some(isObject));
  if (objects && [...current, ...patch].some((el) => !isObject(el))) {
    throw badRequest(`list element types are not identical at ${path}: objects and values are mixed`);
  }
  return objects ? mergeObjectList(current, patch as JsonObject[], field, path) : mergePrimitiveList(current, patch);
}

/** A set union: live values first, new ones after, then ordered like the patch. */
function mergePrimitiveList(current: unknown[], patch: unknown[]): unknown[] {
  const merged: unknown[] = [];
  for (const v of [...current, ...patch]) if (!merged.includes(v)) merged.push(v);
  return orderMergedList({ merged, patchOrder: patch, serverOrder: current, keyOf: (v) => v });
}

function mergeObjectList(current: unknown[], patch: JsonObject[], field: FieldPatchMeta, path: string): unknown[] {
  const key = field.mergeKey;
  if (!key) throw badRequest(`cannot merge lists without merge key for ${path}`);
  const keyOf: KeyOf = (el) => (isObject(el) ? ownValue(el, key) : undefined);

  let merged = [...current];
  let replaceAll = false;
  const items: JsonObject[] = [];
  for (const el of patch) {
    const directive = ownValue(el, PATCH);
    if (directive === undefined || directive === 'merge') items.push(el);
    else if (directive === 'delete') {
      requireMergeKey(el, key);
      merged = merged.filter((m) => keyOf(m) !== el[key]);
    } else if (directive === 'replace') replaceAll = true;
    else throw badRequest(`unknown patch type: ${show(directive)} in map: ${show(el)}`);
  }
  // `{"$patch": "replace"}` among the elements: the other elements become the whole list.
  if (replaceAll) return items.map((el) => mergeObject({}, withoutKey(el, PATCH), field.type, path) ?? {});

  for (const el of items) {
    requireMergeKey(el, key);
    const element = withoutKey(el, PATCH);
    const at = merged.findIndex((m) => keyOf(m) === el[key]);
    if (at >= 0) merged[at] = mergeObject(merged[at] as JsonObject, element, field.type, path) ?? merged[at];
    else merged.push(mergeObject({}, element, field.type, path) ?? {});
  }
  return orderMergedList({ merged, patchOrder: items.map((el) => el[key]), serverOrder: current, keyOf });
}

function requireMergeKey(el: JsonObject, key: string): void {
  if (!Object.hasOwn(el, key)) throw badRequest(`map: ${show(el)} does not contain declared merge key: ${key}`);
}

/**
 * `$setElementOrder/<list>`: merge the list as usual, then put it in the given order. It may come
 * without the list itself, only to reorder. Returns the lists it settled, so they are not merged twice.
 */
function applyElementOrders(target: JsonObject, patch: JsonObject, meta: TypePatchMeta | undefined, path: string): Set<string> {
  const settled = new Set<string>();
  for (const [directiveKey, order] of Object.entries(patch)) {
    if (!directiveKey.startsWith(SET_ORDER)) continue;
    const key = directiveKey.slice(SET_ORDER.length);
    if (!key || !Array.isArray(order)) {
      throw badRequest(`invalid patch format of setElementOrder list: ${show(directiveKey)} must name a list and hold a list`);
    }
    const listPatch = ownValue(patch, key);
    if (listPatch === null) continue; // the list is being deleted; nothing to order
    if (listPatch !== undefined && !Array.isArray(listPatch)) {
      throw badRequest(`invalid patch format of setElementOrder list: ${show(key)} is ${describeJson(listPatch)}, not a list`);
    }
    const field = meta?.[key];
    const live = ownValue(target, key);
    const current = Array.isArray(live) ? live : undefined;
    if (!current && !listPatch) continue;

    const mergeKey = field?.strategy === 'merge' ? field.mergeKey : undefined;
    const keyOf: KeyOf = mergeKey ? (el) => (isObject(el) ? ownValue(el, mergeKey) : undefined) : (el) => el;
    if (mergeKey) for (const el of order) if (isObject(el)) requireMergeKey(el, mergeKey);
    const orderKeys = order.map((el) => (mergeKey && isObject(el) ? el[mergeKey] : el));
    if (listPatch) checkOrderAgreement(listPatch, orderKeys, keyOf, key);

    const childPath = join(path, key);
    const merged = listPatch ? mergeList(current ?? [], listPatch, field, childPath) : current ?? [];
    const reorderable = !merged.some(isObject) || mergeKey !== undefined;
    setOwn(target, key, reorderable ? orderMergedList({ merged, patchOrder: orderKeys, serverOrder: current ?? [], keyOf }) : merged);
    settled.add(key);
  }
  return settled;
}

/** The patched elements must appear in `$setElementOrder`, in the same relative order. */
function checkOrderAgreement(listPatch: unknown[], orderKeys: unknown[], keyOf: KeyOf, key: string): void {
  let o = 0;
  for (const el of listPatch) {
    if (isObject(el) && Object.hasOwn(el, PATCH)) continue; // deletions and markers need no place
    const k = keyOf(el);
    while (o < orderKeys.length && orderKeys[o] !== k) o++;
    if (o === orderKeys.length) {
      throw badRequest(`invalid patch format of setElementOrder list: the order of ${show(key)} in the patch does not match $setElementOrder/${key} (${show(el)} is out of place or missing)`);
    }
    o++;
  }
}

/** `$deleteFromPrimitiveList/<list>`: remove these values from a list of primitives. */
function deleteFromPrimitiveLists(target: JsonObject, patch: JsonObject): void {
  for (const [directiveKey, values] of Object.entries(patch)) {
    if (!directiveKey.startsWith(DELETE_FROM)) continue;
    const key = directiveKey.slice(DELETE_FROM.length);
    if (!key || !Array.isArray(values)) {
      throw badRequest(`invalid patch format of primitive list: ${show(directiveKey)} must name a list and hold a list`);
    }
    const live = ownValue(target, key);
    if (Array.isArray(live)) setOwn(target, key, live.filter((v) => !values.includes(v)));
  }
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  if (!Object.hasOwn(obj, key)) return obj;
  const copy: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (k !== key) setOwn(copy, k, v);
  return copy;
}
