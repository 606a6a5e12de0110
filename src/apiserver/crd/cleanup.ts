// Deleting a CRD deletes its objects first (every namespace, through the normal delete so their own
// finalizers are honoured). Read through the storage version, which is where every object lives,
// served or not.
import { storageDescriptor } from '../../registry/crd/descriptors.js';
import type { KObject } from '../../registry/types.js';
import { ApiError } from '../errors.js';
import type { ResourceContext } from '../resources/context.js';
import { deleteObject } from '../resources/operations.js';

/** Starts the deletion of every object of the CRD's kind; returns how many are still stored. */
export async function deleteAllObjects(ctx: ResourceContext, crd: KObject): Promise<number> {
  const d = storageDescriptor(crd);
  const page = await ctx.store.list(d, {});
  const batch = 64;
  for (let i = 0; i < page.items.length; i += batch) {
    await Promise.all(
      page.items.slice(i, i + batch).map(async (obj) => {
        if (obj.metadata.deletionTimestamp) return;
        try {
          await deleteObject(ctx, d, obj.metadata.namespace, obj.metadata.name!, {});
        } catch (err) {
          if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
        }
      }),
    );
  }
  return (await ctx.store.list(d, {})).items.length;
}
