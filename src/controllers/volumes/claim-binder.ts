// The claim side of the volume controller: gives a claim without a class the default class, binds
// it to a fitting PersistentVolume (or has the local-path provisioner make one), keeps its status in
// step with its volume, and holds a claim being deleted while a pod still uses it
// (kubernetes.io/pvc-protection). Every state that leaves a claim Pending says why in an event.
import type { PersistentVolumeClaimSpec, PersistentVolumeClaimStatus, Pod } from 'kubernetes-types/core/v1.js';
import { getIfExists, hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { KObject } from '../../registry/types.js';
import { claimClassOf } from '../../registry/kinds/persistentvolumeclaim.js';
import { isDefaultClass } from '../../registry/kinds/storageclass.js';
import { canonical } from '../../registry/validation/common.js';
import { splitKey } from '../workloads/keys.js';
import { localPathVolume, LOCAL_PATH_PROVISIONER, STORAGE_DIR_ANNOTATION, storageClassesType } from './local-path.js';
import { claimSpecOf, pickVolume, reservedFor, volumeSpecOf } from './matching.js';

export const claimsType: ResourceType = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
export const volumesType: ResourceType = { group: '', version: 'v1', resource: 'persistentvolumes' };
export const podsType: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const nodesType: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';

export interface BinderContext {
  client: Client;
  /** Claim events are written once per state: a claim reconciled again for the same reason stays quiet. */
  events: EventRecorder;
  /** Whether the built-in local-path provisioner runs. */
  localPath: boolean;
}

/** The claims a pod names in its volumes, as `namespace/name` keys. */
export function claimKeysOfPod(pod: KObject): string[] {
  const ns = pod.metadata.namespace;
  return ((pod.spec as Pod['spec'])?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [`${ns}/${v.persistentVolumeClaim.claimName}`] : []));
}

const podUsesClaim = (pod: KObject, claim: KObject) =>
  !['Succeeded', 'Failed'].includes((pod.status as { phase?: string } | undefined)?.phase ?? '') &&
  claimKeysOfPod(pod).includes(`${claim.metadata.namespace}/${claim.metadata.name}`);

/** Returns whether the claim still waits for something (a pod, a node choice, a volume). */
export async function reconcileClaim(ctx: BinderContext, key: string): Promise<'pending' | 'done'> {
  const { namespace, name } = splitKey(key);
  let claim = await getIfExists(ctx.client, claimsType, namespace, name);
  if (!claim) return 'done';
  if (claim.metadata.deletionTimestamp) {
    await releaseProtection(ctx, claim);
    return 'done';
  }
  if (!claim.metadata.finalizers?.includes(PVC_PROTECTION)) {
    claim = await ctx.client.patch(claimsType, namespace, name, { type: 'merge', body: { metadata: { finalizers: [...(claim.metadata.finalizers ?? []), PVC_PROTECTION], resourceVersion: claim.metadata.resourceVersion } } });
  }
  const spec = claimSpecOf(claim);
  const classes = (await ctx.client.list(storageClassesType)).items;
  if (spec.storageClassName === undefined || spec.storageClassName === null) {
    const dflt = classes.filter(isDefaultClass).sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))[0];
    if (dflt && !claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-class']) {
      // Given the default class afterwards, as upstream's retroactive default class assignment does.
      await ctx.client.patch(claimsType, namespace, name, { type: 'merge', body: { spec: { storageClassName: dflt.metadata.name }, metadata: { resourceVersion: claim.metadata.resourceVersion } } });
      return 'pending';
    }
  }
  const volumes = (await ctx.client.list(volumesType)).items;
  if (spec.volumeName) return syncBound(ctx, claim, volumes.find((v) => v.metadata.name === spec.volumeName));

  const className = claimClassOf(claim);
  const cls = className ? classes.find((c) => c.metadata.name === className) : undefined;
  const waitForConsumer = cls?.volumeBindingMode === 'WaitForFirstConsumer';
  const selectedNode = claim.metadata.annotations?.[SELECTED_NODE];
  let node: KObject | undefined;
  if (waitForConsumer) {
    if (!selectedNode) {
      ctx.events.normal(claim, 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return 'pending';
    }
    node = await getIfExists(ctx.client, nodesType, undefined, selectedNode);
  }
  const where = node ? { name: node.metadata.name!, labels: node.metadata.labels ?? {} } : undefined;
  const volume = pickVolume(volumes, claim, where);
  if (volume) {
    await bind(ctx, claim, volume);
    return 'done';
  }
  if (!className) {
    ctx.events.warning(claim, 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    return 'pending';
  }
  if (!cls) {
    ctx.events.warning(claim, 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    return 'pending';
  }
  if (cls.provisioner === 'kubernetes.io/no-provisioner') {
    ctx.events.warning(claim, 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    return 'pending';
  }
  if (cls.provisioner !== LOCAL_PATH_PROVISIONER || !ctx.localPath) {
    ctx.events.normal(claim, 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${cls.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    return 'pending';
  }
  return provisionLocal(ctx, claim, cls, selectedNode, node);
}

async function provisionLocal(ctx: BinderContext, claim: KObject, cls: KObject, selectedNode: string | undefined, node: KObject | undefined): Promise<'pending' | 'done'> {
  if (!selectedNode) {
    // An Immediate local-path class: the volume needs a node, and none has been chosen.
    ctx.events.warning(claim, 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata.name}": configuration error, no node was specified`);
    return 'pending';
  }
  const dir = node?.metadata.annotations?.[STORAGE_DIR_ANNOTATION];
  if (!node || !dir) {
    ctx.events.warning(claim, 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata.name}": node "${selectedNode}" ${node ? 'does not announce a local storage directory' : 'not found'}`);
    return 'pending';
  }
  ctx.events.normal(claim, 'Provisioning', `External provisioner is provisioning volume for claim "${claim.metadata.namespace}/${claim.metadata.name}"`);
  const hostname = node.metadata.labels?.['kubernetes.io/hostname'] ?? node.metadata.name!;
  let volume: KObject;
  try {
    volume = await ctx.client.create(volumesType, localPathVolume(claim, cls, hostname, dir));
  } catch (err) {
    if (!hasReason(err, 'AlreadyExists')) throw err;
    volume = await ctx.client.get(volumesType, undefined, localPathVolume(claim, cls, hostname, dir).metadata.name!);
  }
  ctx.events.normal(claim, 'ProvisioningSucceeded', `Successfully provisioned volume ${volume.metadata.name}`);
  await bind(ctx, claim, volume);
  return 'done';
}

/** Volume first (claimRef, then Bound), then the claim (volumeName, then Bound), as upstream orders it. */
async function bind(ctx: BinderContext, claim: KObject, volume: KObject): Promise<void> {
  const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion };
  if (!reservedFor(volume, claim) || !volumeSpecOf(volume).claimRef?.uid) {
    volume = await ctx.client.patch(volumesType, undefined, volume.metadata.name!, {
      type: 'merge',
      body: { metadata: { resourceVersion: volume.metadata.resourceVersion, annotations: { [BOUND_BY_CONTROLLER]: 'yes' } }, spec: { claimRef: ref } },
    });
  }
  await setVolumePhase(ctx.client, volume, 'Bound');
  const bound = await ctx.client.patch(claimsType, claim.metadata.namespace, claim.metadata.name!, {
    type: 'merge',
    body: { metadata: { resourceVersion: claim.metadata.resourceVersion, annotations: { [BIND_COMPLETED]: 'yes', [BOUND_BY_CONTROLLER]: 'yes' } }, spec: { volumeName: volume.metadata.name } },
  });
  await syncBound(ctx, bound, volume);
}

/** A claim naming its volume: Bound with the volume's capacity and modes, or Lost when the volume is gone. */
async function syncBound(ctx: BinderContext, claim: KObject, volume: KObject | undefined): Promise<'pending' | 'done'> {
  const prev = (claim.status ?? {}) as PersistentVolumeClaimStatus;
  let next: PersistentVolumeClaimStatus;
  if (!volume || (volumeSpecOf(volume).claimRef?.uid && volumeSpecOf(volume).claimRef?.uid !== claim.metadata.uid)) {
    if (prev.phase === 'Bound') ctx.events.warning(claim, 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    next = { ...prev, phase: 'Lost' };
  } else {
    if (!reservedFor(volume, claim) || !volumeSpecOf(volume).claimRef?.uid) {
      // Pre-bound by the user through spec.volumeName: complete the volume's half.
      await bind(ctx, { ...claim, spec: { ...(claim.spec as PersistentVolumeClaimSpec), volumeName: undefined } }, volume);
      return 'done';
    }
    await setVolumePhase(ctx.client, volume, 'Bound');
    const spec = volumeSpecOf(volume);
    next = { ...prev, phase: 'Bound', accessModes: spec.accessModes, capacity: spec.capacity as Record<string, string> };
  }
  if (canonical(prev) !== canonical(next)) {
    await ctx.client.patch(claimsType, claim.metadata.namespace, claim.metadata.name!, { type: 'merge', body: { status: next } }, { subresource: 'status' });
  }
  return 'done';
}

export async function setVolumePhase(client: Client, volume: KObject, phase: string, extra: Record<string, unknown> = {}): Promise<void> {
  const status = (volume.status ?? {}) as { phase?: string };
  if (status.phase === phase && Object.keys(extra).length === 0) return;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(volumesType, undefined, volume.metadata.name!, { type: 'merge', body: { status: { phase, lastPhaseTransitionTime: now, ...extra } } }, { subresource: 'status' });
}

/** The finalizer comes off once no pod that may still run uses the claim. */
async function releaseProtection(ctx: BinderContext, claim: KObject): Promise<void> {
  if (!claim.metadata.finalizers?.includes(PVC_PROTECTION)) return;
  const pods = (await ctx.client.list(podsType, { namespace: claim.metadata.namespace })).items;
  if (pods.some((p) => podUsesClaim(p, claim))) return;
  try {
    await ctx.client.patch(claimsType, claim.metadata.namespace, claim.metadata.name!, {
      type: 'merge',
      body: { metadata: { finalizers: claim.metadata.finalizers.filter((f) => f !== PVC_PROTECTION), resourceVersion: claim.metadata.resourceVersion } },
    });
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
  }
}
