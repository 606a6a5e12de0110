// Ownership through ownerReferences: which object controls another, and claiming (adopting orphans
// that match a selector, releasing owned objects that no longer match). Ownership is by uid, so a
// recreated owner of the same name does not inherit its predecessor's objects.
import { hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { KMeta, KObject } from '../../registry/types.js';
import { objectKeyOf } from '../runtime/run-controller.js';

export type OwnerReference = NonNullable<KMeta['ownerReferences']>[number];

export const controllerRefOf = (obj: KObject): OwnerReference | undefined => obj.metadata.ownerReferences?.find((r) => r.controller === true);

/** The reference an owner puts on what it creates; blockOwnerDeletion lets foreground deletion wait for it. */
export function controllerRefTo(owner: KObject): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Maps an owned object's event to its controller's work-queue key, when the controller is of `kind`. */
export function ownerKeyOf(kind: string): (obj: KObject) => string | undefined {
  return (obj) => {
    const ref = controllerRefOf(obj);
    return ref?.kind === kind ? objectKeyOf({ namespace: obj.metadata.namespace, name: ref.name }) : undefined;
  };
}

export interface ClaimOptions {
  client: Client;
  type: ResourceType;
  owner: KObject;
  /** Candidates: every object of `type` in the owner's namespace. */
  objects: KObject[];
  matches(obj: KObject): boolean;
}

/**
 * The objects the owner controls after adopting matching orphans and releasing its own that stopped
 * matching. An owner being deleted neither adopts nor releases. Writes carry the resourceVersion
 * they were decided on, so a concurrent change makes them fail and the reconcile start over.
 */
export async function claimObjects(o: ClaimOptions): Promise<KObject[]> {
  const ownerUid = o.owner.metadata.uid;
  const deleting = !!o.owner.metadata.deletionTimestamp;
  const claimed: KObject[] = [];
  for (const obj of o.objects) {
    const ref = controllerRefOf(obj);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (deleting || o.matches(obj)) {
        claimed.push(obj);
        continue;
      }
      await setOwnerReferences(o, obj, (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid));
      continue;
    }
    if (deleting || obj.metadata.deletionTimestamp || !o.matches(obj)) continue;
    const adopted = await setOwnerReferences(o, obj, [...(obj.metadata.ownerReferences ?? []), controllerRefTo(o.owner)]);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

async function setOwnerReferences(o: ClaimOptions, obj: KObject, refs: OwnerReference[]): Promise<KObject | undefined> {
  const m = obj.metadata;
  try {
    return await o.client.patch(o.type, m.namespace, m.name!, {
      type: 'merge',
      body: { metadata: { ownerReferences: refs.length ? refs : null, uid: m.uid, resourceVersion: m.resourceVersion } },
    });
  } catch (err) {
    if (hasReason(err, 'NotFound')) return undefined;
    throw err;
  }
}
