// The write path's side of field ownership: every create, update, patch and subresource write leaves
// its manager's `Update` entry in metadata.managedFields (apply/update-fields.ts does the sets).
import { patchMetaFor } from '../../registry/patch-meta.js';
import { apiVersionOf, type KObject, type ResourceDescriptor } from '../../registry/types.js';
import type { ManagedFieldsEntry } from '../apply/server-side-apply.js';
import { diffFields, recordUpdate } from '../apply/update-fields.js';
import { nowRfc3339 } from './prepare.js';

/**
 * Records `manager`'s write of `next` over `old`. `sent` is the managedFields the client's object
 * carried (main resource only): as upstream, a valid non-empty list replaces the stored one (how
 * kubectl hands client-side apply's fields over to server-side apply), `[{}]` clears it, and
 * anything else keeps the stored list.
 */
export function recordWrite(d: ResourceDescriptor, old: KObject | undefined, next: KObject, manager: string, subresource?: string, sent?: unknown): void {
  const changes = diffFields(old, next, patchMetaFor(d.group, d.kind));
  const base = baseEntries(sent);
  if (base) next.metadata.managedFields = base;
  const current = Array.isArray(next.metadata.managedFields) ? (next.metadata.managedFields as ManagedFieldsEntry[]) : [];
  if (changes.changed.size === 0 && changes.removed.size === 0) {
    if (current.length === 0) delete next.metadata.managedFields;
    return;
  }
  const entries = recordUpdate(current, changes, { manager, apiVersion: apiVersionOf(d), subresource, time: nowRfc3339() });
  if (entries.length > 0) next.metadata.managedFields = entries;
  else delete next.metadata.managedFields;
}

function baseEntries(sent: unknown): ManagedFieldsEntry[] | undefined {
  if (!Array.isArray(sent) || sent.length === 0) return undefined;
  if (sent.length === 1 && isPlain(sent[0]) && Object.keys(sent[0]).length === 0) return [];
  return sent.every(validEntry) ? (sent as ManagedFieldsEntry[]) : undefined;
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function validEntry(e: unknown): boolean {
  return isPlain(e) && typeof e.manager === 'string' && (e.operation === 'Apply' || e.operation === 'Update') &&
    typeof e.apiVersion === 'string' && (e.fieldsType === undefined || e.fieldsType === 'FieldsV1') && (e.fieldsV1 === undefined || isPlain(e.fieldsV1));
}
