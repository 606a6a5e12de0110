// PATCH, independent of HTTP: the patch is applied to the stored object (never to a cached copy),
// and re-applied to the newer one when another writer got in between.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { ApiError } from '../errors.js';
import { errors } from '../errors.js';
import { applyPatch, PatchError } from '../patch/index.js';
import type { ResourceContext } from './context.js';
import { enforceKnownFields } from './field-validation.js';
import { checkPreconditions, updateStored, type UpdateOptions } from './operations.js';
import { checkTypeMeta } from './prepare.js';

export async function patchStored(
  ctx: ResourceContext,
  d: ResourceDescriptor,
  target: { namespace?: string; name: string },
  patch: { contentType: string; body: unknown },
  opts: UpdateOptions,
): Promise<KObject> {
  return updateStored(ctx, d, target, (current) => {
    const incoming = checkTypeMeta(d, runPatch(d, current, patch));
    // A resourceVersion or uid the patch sets is a precondition on the stored object.
    checkPreconditions(d, current, incoming.metadata);
    // The stored object has no unknown fields, so any found here came with the patch.
    enforceKnownFields(d, incoming, opts.fieldValidation ?? 'Ignore', opts.warn);
    if (incoming.metadata.name !== target.name) throw errors.badRequest('metadata.name: the name of a patched object cannot change');
    return incoming;
  }, opts);
}

export function runPatch(d: ResourceDescriptor, original: KObject, patch: { contentType: string; body: unknown }): KObject {
  try {
    return applyPatch({ contentType: patch.contentType, original, patchBody: patch.body, group: d.group, kind: d.kind }) as KObject;
  } catch (err) {
    if (err instanceof PatchError) {
      throw new ApiError(err.status, err.reason, err.message, err.causes.length ? { causes: err.causes } : undefined);
    }
    throw err;
  }
}
