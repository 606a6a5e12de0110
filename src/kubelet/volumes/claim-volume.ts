// A persistentVolumeClaim volume is the directory of the volume bound to the claim: a hostPath or
// local volume on this node (the built-in local-path provisioner makes hostPath ones; the
// directory is made here, on first mount). A claim not bound yet is waited for briefly, since its
// binding usually completes moments after the pod lands; after that the pod sync retries.
import type { PersistentVolumeClaim, PersistentVolumeSpec } from 'kubernetes-types/core/v1.js';
import { getIfExists, type Client } from '../../client/types.js';
import { prepareHostPath } from './host-path.js';
import { VolumeError } from './types.js';

const claimsType = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const volumesType = { group: '', version: 'v1', resource: 'persistentvolumes' };

export interface ClaimVolume {
  dir: string;
  readOnly: boolean;
}

export interface ClaimVolumeOptions {
  client: Client;
  namespace: string;
  volume: string;
  claimName: string;
  /** Total time to wait for a claim to be bound; default 3 s. */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function prepareClaimVolume(o: ClaimVolumeOptions): Promise<string> {
  const sleep = o.sleep ?? delay;
  const deadline = Date.now() + (o.waitMs ?? 3000);
  for (let attempt = 0; ; attempt++) {
    const claim = (await getIfExists(o.client, claimsType, o.namespace, o.claimName)) as PersistentVolumeClaim | undefined;
    if (!claim) throw new VolumeError(`persistentvolumeclaim "${o.claimName}" not found`, { volume: o.volume });
    if (claim.metadata?.deletionTimestamp) throw new VolumeError(`persistentvolumeclaim "${o.claimName}" is being deleted`, { volume: o.volume });
    const volumeName = claim.spec?.volumeName ?? '';
    const phase = claim.status?.phase ?? '';
    if (volumeName && phase === 'Bound') return hostDirOf(o, volumeName);
    if (Date.now() >= deadline) {
      throw new VolumeError(`PVC ${o.namespace}/${o.claimName} has non-bound phase ("${phase}") or empty pvc.Spec.VolumeName ("${volumeName}")`, { volume: o.volume });
    }
    await sleep(Math.min(100 * 2 ** attempt, 1000));
  }
}

async function hostDirOf(o: ClaimVolumeOptions, volumeName: string): Promise<string> {
  const pv = await getIfExists(o.client, volumesType, undefined, volumeName);
  if (!pv) throw new VolumeError(`persistentvolume "${volumeName}" not found (bound to claim "${o.claimName}")`, { volume: o.volume });
  const spec = (pv.spec ?? {}) as PersistentVolumeSpec;
  try {
    if (spec.hostPath) {
      await prepareHostPath(spec.hostPath.path, spec.hostPath.type);
      return spec.hostPath.path;
    }
    if (spec.local) {
      await prepareHostPath(spec.local.path, 'Directory');
      return spec.local.path;
    }
  } catch (err) {
    throw new VolumeError(`MountVolume.SetUp failed for volume "${volumeName}": ${(err as Error).message}`, { volume: o.volume });
  }
  const kind = Object.keys(spec).find((k) => !['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName'].includes(k));
  throw new VolumeError(`persistentvolume "${volumeName}": ${kind ?? 'this'} volumes are not supported by k3ts yet (hostPath and local are)`, { volume: o.volume });
}
