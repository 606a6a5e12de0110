// The PATCH verb's body handling: pick the patch type from the Content-Type and apply it to a copy
// of the stored object. The caller (the PATCH handler) turns a PatchError into a Status.
import { patchMetaFor } from '../../registry/patch-meta.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { badRequest, PatchError } from './patch-error.js';
import { applyStrategicMergePatch } from './strategic.js';

export { PatchError, type PatchErrorCause, type PatchErrorCode } from './patch-error.js';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

export type PatchContentType = typeof JSON_PATCH | typeof MERGE_PATCH | typeof STRATEGIC_MERGE_PATCH;

export interface ApplyPatchOptions {
  /** The request's Content-Type; parameters such as `; charset=utf-8` are ignored. */
  contentType: string;
  /** The stored object. Never modified. */
  original: unknown;
  /** The raw request body (string or bytes), or a body already parsed from JSON. */
  patchBody: string | Uint8Array | unknown;
  /** The kind's API group ('' for core) and kind, to find strategic-merge metadata. */
  group: string;
  kind: string;
}

/** Patch types a kind accepts, in the order kube-apiserver lists them in its 415 message. */
export function patchTypesFor(group: string, kind: string): string[] {
  const types = [JSON_PATCH, MERGE_PATCH];
  if (patchMetaFor(group, kind)) types.push(STRATEGIC_MERGE_PATCH);
  return types;
}

/** Applies the patch and returns the new object; throws PatchError for anything the client got wrong. */
export function applyPatch({ contentType, original, patchBody, group, kind }: ApplyPatchOptions): unknown {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === APPLY_PATCH || type === 'application/apply-patch+cbor') {
    throw new PatchError({
      code: 'Unsupported',
      message: `server-side apply (${type}) is not supported by this server; use client-side apply (kubectl apply without --server-side)`,
    });
  }
  if (type === JSON_PATCH) return applyJsonPatch(original, decodeBody(patchBody));
  if (type === MERGE_PATCH) return applyMergePatch(original, decodeBody(patchBody));
  const meta = patchMetaFor(group, kind);
  if (type === STRATEGIC_MERGE_PATCH && meta) return applyStrategicMergePatch(original, decodeBody(patchBody), meta);
  // Same as kube-apiserver for custom resources: strategic merge needs Go types they do not have.
  throw new PatchError({
    code: 'Unsupported',
    message: `the body of the request was in an unknown format - accepted media types include: ${patchTypesFor(group, kind).join(', ')}`,
  });
}

function decodeBody(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: false }).decode(body);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`invalid JSON patch: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}
