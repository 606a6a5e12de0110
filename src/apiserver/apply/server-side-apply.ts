// Server-side apply (PATCH with application/apply-patch+yaml), what `kubectl apply --server-side`
// and helm 4 send. A manager's applied configuration is merged into the live object; fields it
// applied last time and leaves out now are removed unless another manager also owns them; a field
// another manager owns with a different value is a 409 Conflict unless `force=true`, which takes
// it over. Ownership is kept in `metadata.managedFields` as upstream's FieldsV1, one `Apply` entry
// per manager. The result goes through the same create/update path (defaults, validation,
// admission, optimistic concurrency) as every other write.
//
// Simplifications, on purpose: list and map semantics come from the strategic-merge metadata (the
// kinds' Go tags) rather than OpenAPI list types; `Update` entries are not recorded, so fields
// changed by non-apply writers never conflict; FieldsV1 has no `.` for maps and structs.
import { patchMetaFor } from '../../registry/patch-meta.js';
import { apiVersionOf, type KObject, type ResourceDescriptor } from '../../registry/types.js';
import { semanticEqual } from '../../registry/validation/common.js';
import { ApiError, errors } from '../errors.js';
import type { ResourceContext, WriteOptions } from '../resources/context.js';
import { enforceKnownFields } from '../resources/field-validation.js';
import { createObject, updateStored } from '../resources/operations.js';
import { describePath, fieldSetOf, fromFieldsV1, pathOf, toFieldsV1, type FieldSet } from './field-set.js';
import { mergeApplied, pruneEmpty, removeAt, valueAt } from './merge.js';
import { conflictsAllowedByLastApplied } from './last-applied.js';

export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  force: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Checks the request the way upstream does before touching anything. */
function checkApplied(d: ResourceDescriptor, target: { name: string }, body: unknown, opts: ApplyOptions): KObject {
  if (!opts.fieldManager) throw errors.badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
  if (opts.fieldManager.length > 128) throw errors.badRequest('fieldManager: Too long: may not be more than 128 bytes');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
  const obj = body as KObject;
  if (!obj.apiVersion || !obj.kind) throw errors.badRequest('invalid object type: apiVersion and kind must be set in an applied configuration');
  if (obj.apiVersion !== apiVersionOf(d) || obj.kind !== d.kind) {
    throw errors.badRequest(`the applied configuration is a ${obj.kind} (${obj.apiVersion}), not a ${d.kind} (${apiVersionOf(d)})`);
  }
  const meta = (obj.metadata ??= {});
  if (meta.name !== undefined && meta.name !== target.name) throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${target.name})`);
  meta.name = target.name;
  return obj;
}

function entriesOf(obj: KObject): ManagedFieldsEntry[] {
  const list = obj.metadata.managedFields;
  return Array.isArray(list) ? (list as ManagedFieldsEntry[]) : [];
}

function conflictError(d: ResourceDescriptor, name: string, found: Array<{ manager: string; apiVersion: string; path: string }>): ApiError {
  const byManager = new Map<string, { apiVersion: string; paths: string[] }>();
  for (const c of found) {
    const e = byManager.get(c.manager) ?? { apiVersion: c.apiVersion, paths: [] };
    e.paths.push(c.path);
    byManager.set(c.manager, e);
  }
  const n = found.length;
  const parts = [...byManager].map(([m, e]) =>
    e.paths.length === 1 ? `conflict with "${m}" using ${e.apiVersion}: ${e.paths[0]}` : `conflicts with "${m}" using ${e.apiVersion}:\n${e.paths.map((p) => `- ${p}`).join('\n')}`,
  );
  const message = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`;
  return new ApiError(409, 'Conflict', message, {
    name, group: d.group, kind: d.plural,
    causes: found.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.path })),
  });
}

/** Applies `body` as `opts.fieldManager`: creates the object when it does not exist. */
export async function serverSideApply(
  ctx: ResourceContext,
  d: ResourceDescriptor,
  target: { namespace?: string; name: string },
  body: unknown,
  opts: ApplyOptions,
): Promise<{ object: KObject; created: boolean }> {
  const applied = checkApplied(d, target, body, opts);
  enforceKnownFields(d, applied, opts.fieldValidation ?? 'Ignore', opts.warn);
  const meta = patchMetaFor(d.group, d.kind);
  const mine = fieldSetOf(applied, meta);
  const entry = (set: FieldSet): ManagedFieldsEntry => ({
    manager: opts.fieldManager, operation: 'Apply', apiVersion: apiVersionOf(d), time: now(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set),
  });

  const exists = await ctx.store.get(d, target.namespace, target.name).then(() => true, (err: unknown) => {
    if (err instanceof ApiError && err.reason === 'NotFound') return false;
    throw err;
  });
  if (!exists) {
    try {
      const object = await createObject(ctx, d, target.namespace, structuredClone(applied), { ...opts, managedFields: () => [entry(mine)] });
      return { object, created: true };
    } catch (err) {
      // Someone created it meanwhile: apply to theirs.
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }

  let managedFields: ManagedFieldsEntry[] = [];
  const stored = await updateStored(ctx, d, target, (current) => {
    const entries = entriesOf(current);
    const own = entries.find((e) => e.manager === opts.fieldManager && e.operation === 'Apply');
    const others = entries.filter((e) => e !== own).map((e) => ({ entry: e, set: fromFieldsV1(e.fieldsV1) }));

    // Conflicts: a field someone else owns, which this apply would change.
    const conflicts: Array<{ manager: string; apiVersion: string; path: string; key: string }> = [];
    for (const k of mine) {
      const path = pathOf(k);
      if (path[path.length - 1] === '.') continue;
      const owners = others.filter((o) => o.set.has(k));
      if (owners.length === 0) continue;
      if (semanticEqual(valueAt(current, path), valueAt(applied, path))) continue;
      for (const o of owners) conflicts.push({ manager: o.entry.manager, apiVersion: o.entry.apiVersion, path: describePath(path), key: k });
    }
    const allowed = conflictsAllowedByLastApplied(opts.fieldManager, current, conflicts.map((c) => c.key), meta);
    if (conflicts.length > 0 && !opts.force && !allowed) throw conflictError(d, target.name, conflicts);
    for (const c of conflicts) for (const o of others) o.set.delete(c.key);

    // Fields this manager applied before and no longer does go, unless someone else has them too.
    const next = current;
    const dropped = own ? [...fromFieldsV1(own.fieldsV1)].filter((k) => !mine.has(k) && !others.some((o) => o.set.has(k))) : [];
    // Whole list elements first (their `.` entries): removing an element's key field first would
    // leave it unfindable, half removed.
    const isElement = (k: string) => k.endsWith('"."]');
    for (const k of [...dropped.filter(isElement), ...dropped.filter((k) => !isElement(k)).sort((a, b) => b.length - a.length)]) {
      const path = pathOf(k);
      removeAt(next, path);
      pruneEmpty(next, path);
    }
    const { metadata: appliedMeta, ...rest } = applied;
    const { name: _n, namespace: _ns, ...metaFields } = appliedMeta;
    mergeApplied(next, rest, meta);
    mergeApplied(next.metadata as Record<string, unknown>, metaFields, meta?.metadata?.type);

    // An unchanged set keeps its time, so applying the same configuration again changes nothing.
    const same = own !== undefined && JSON.stringify(toFieldsV1(mine)) === JSON.stringify(own.fieldsV1);
    managedFields = [
      ...others.filter((o) => o.set.size > 0).map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.set) })),
      same ? own : entry(mine),
    ];
    return next;
  }, { ...opts, managedFields: () => managedFields });
  return { object: stored, created: false };
}
