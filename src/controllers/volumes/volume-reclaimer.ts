// The volume side of the volume controller: a volume without a claim is Available; one whose
// claim is gone is Released and then reclaimed by its policy: Delete removes the volume (for a
// local-path volume the node then removes its directory), Retain keeps it, Released, for an admin.
import type { PersistentVolumeSpec } from 'kubernetes-types/core/v1.js';
import { getIfExists, hasReason } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { claimsType, setVolumePhase, volumesType, type BinderContext } from './claim-binder.js';

export async function reconcileVolume(ctx: BinderContext, name: string): Promise<void> {
  const volume = await getIfExists(ctx.client, volumesType, undefined, name);
  if (!volume || volume.metadata.deletionTimestamp) return;
  const spec = (volume.spec ?? {}) as PersistentVolumeSpec;
  const phase = (volume.status as { phase?: string } | undefined)?.phase;
  const ref = spec.claimRef;
  if (!ref?.name) {
    await setVolumePhase(ctx.client, volume, 'Available');
    return;
  }
  // Reserved for a claim by name only: it waits, Available, until that claim appears.
  if (!ref.uid) {
    await setVolumePhase(ctx.client, volume, 'Available');
    return;
  }
  const claim = await getIfExists(ctx.client, claimsType, ref.namespace, ref.name);
  if (claim && claim.metadata.uid === ref.uid) {
    if ((claim.spec as { volumeName?: string }).volumeName === name && phase !== 'Bound') await setVolumePhase(ctx.client, volume, 'Bound');
    return;
  }
  // The claim is gone (or replaced by a namesake): the volume is released.
  if (phase !== 'Released' && phase !== 'Failed') await setVolumePhase(ctx.client, volume, 'Released');
  await reclaim(ctx, volume, spec);
}

async function reclaim(ctx: BinderContext, volume: KObject, spec: PersistentVolumeSpec): Promise<void> {
  const policy = spec.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy === 'Retain') return;
  if (policy === 'Delete') {
    try {
      await ctx.client.delete(volumesType, undefined, volume.metadata.name!, { preconditions: { uid: volume.metadata.uid } });
      ctx.events.normal(volume, 'VolumeDeleted', `Volume ${volume.metadata.name} deleted: its claim is gone and its reclaim policy is Delete`);
    } catch (err) {
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
    }
    return;
  }
  ctx.events.warning(volume, 'VolumeFailedRecycle', 'Recycle is deprecated and not supported by k3ts: use Delete or Retain');
  await setVolumePhase(ctx.client, volume, 'Failed', { message: 'Recycle is not supported' });
}
