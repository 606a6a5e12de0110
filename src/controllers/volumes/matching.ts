// Which PersistentVolume may serve a claim, as upstream's binder decides: same class, the claim's
// access modes all offered, enough capacity, labels matching the claim's selector, the same
// volume mode, and (for a claim waiting for its first consumer) reachable from the chosen node.
// Among those that fit, the smallest wins, so a big volume is not spent on a small claim.
import type { PersistentVolumeClaimSpec, PersistentVolumeSpec } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../registry/types.js';
import { parseQuantity } from '../../registry/validation/quantity.js';
import { claimClassOf } from '../../registry/kinds/persistentvolumeclaim.js';
import { volumeClassOf } from '../../registry/kinds/persistentvolume.js';
import { selectorMatches } from '../../registry/validation/selector.js';
import { termMatches } from '../../scheduler/node-affinity.js';

export const claimSpecOf = (c: KObject) => (c.spec ?? {}) as PersistentVolumeClaimSpec;
export const volumeSpecOf = (v: KObject) => (v.spec ?? {}) as PersistentVolumeSpec;
export const requestedBytes = (c: KObject) => parseQuantity(claimSpecOf(c).resources?.requests?.storage) ?? 0;
export const capacityBytes = (v: KObject) => parseQuantity(volumeSpecOf(v).capacity?.storage) ?? 0;

/** The node a volume is pinned to may be `node` (labels and name); a volume without affinity is reachable anywhere. */
export function volumeReachableFrom(v: KObject, node: { name: string; labels: Record<string, string> }): boolean {
  const terms = volumeSpecOf(v).nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => termMatches(t, node.labels, node.name));
}

/** True when the volume is pre-bound to this claim (claimRef by name, and uid if given). */
export function reservedFor(v: KObject, claim: KObject): boolean {
  const ref = volumeSpecOf(v).claimRef;
  return !!ref && ref.namespace === claim.metadata.namespace && ref.name === claim.metadata.name && (!ref.uid || ref.uid === claim.metadata.uid);
}

export function volumeFits(v: KObject, claim: KObject, node?: { name: string; labels: Record<string, string> }): boolean {
  const spec = volumeSpecOf(v);
  const want = claimSpecOf(claim);
  if (v.metadata.deletionTimestamp) return false;
  if (spec.claimRef && !reservedFor(v, claim)) return false;
  if (volumeClassOf(v) !== claimClassOf(claim)) return false;
  if ((spec.volumeMode ?? 'Filesystem') !== (want.volumeMode ?? 'Filesystem')) return false;
  if (!(want.accessModes ?? []).every((m) => (spec.accessModes ?? []).includes(m))) return false;
  if (capacityBytes(v) < requestedBytes(claim)) return false;
  if (want.selector && !selectorMatches(want.selector, v.metadata.labels)) return false;
  if (node && !volumeReachableFrom(v, node)) return false;
  const phase = (v.status as { phase?: string } | undefined)?.phase;
  return phase === undefined || phase === 'Available' || phase === 'Pending' || reservedFor(v, claim);
}

/** The best volume for the claim: one reserved for it, else the smallest that fits. */
export function pickVolume(volumes: KObject[], claim: KObject, node?: { name: string; labels: Record<string, string> }): KObject | undefined {
  const fits = volumes.filter((v) => volumeFits(v, claim, node));
  return fits.find((v) => reservedFor(v, claim)) ?? fits.sort((a, b) => capacityBytes(a) - capacityBytes(b))[0];
}
