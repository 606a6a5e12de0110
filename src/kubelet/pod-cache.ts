// The pods bound to this node, as last seen: filled by the pod watch and by the kubelet's own
// status writes, whichever is newer, so a pass never works from a status older than its last write.
import { isDeepStrictEqual } from 'node:util';
import type { KObject } from '../registry/types.js';

const keyOf = (obj: KObject) => `${obj.metadata.namespace}/${obj.metadata.name}`;

/** True when `a` is a later resourceVersion than `b` (numeric revisions; otherwise assume so). */
function newer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return BigInt(a) > BigInt(b);
}

function differsBeyondStatus(a: KObject, b: KObject): boolean {
  const { resourceVersion: _ra, managedFields: _ma, ...metaA } = a.metadata as Record<string, unknown>;
  const { resourceVersion: _rb, managedFields: _mb, ...metaB } = b.metadata as Record<string, unknown>;
  return !isDeepStrictEqual(metaA, metaB) || !isDeepStrictEqual((a as { spec?: unknown }).spec, (b as { spec?: unknown }).spec);
}

export class PodCache {
  private pods = new Map<string, KObject>();

  get(key: string): KObject | undefined {
    return this.pods.get(key);
  }

  /** From the watch; an event older than our own last write changes nothing. */
  set(obj: KObject): string {
    const key = keyOf(obj);
    const have = this.pods.get(key);
    if (!have || have.metadata.uid !== obj.metadata.uid || newer(obj.metadata.resourceVersion, have.metadata.resourceVersion)) this.pods.set(key, obj);
    return key;
  }

  /** From our own write: taken only while the pod is known and nothing newer came in. */
  offer(obj: KObject): void {
    const key = keyOf(obj);
    const have = this.pods.get(key);
    if (have && have.metadata.uid === obj.metadata.uid && newer(obj.metadata.resourceVersion, have.metadata.resourceVersion)) this.pods.set(key, obj);
  }

  /** A watch event: the pod's key when the kubelet has something to do about it, undefined when
   *  only its status changed. The status is the kubelet's own to write, so such an event is the echo
   *  of its last write (which may arrive before the write's own answer); as upstream's kubelet, it
   *  starts no pass, so a pass's result stands until its own retry is due. */
  observe(obj: KObject): string | undefined {
    const have = this.pods.get(keyOf(obj));
    const key = this.set(obj);
    return have && !differsBeyondStatus(have, obj) ? undefined : key;
  }

  delete(key: string): void {
    this.pods.delete(key);
  }

  keys(): string[] {
    return [...this.pods.keys()];
  }

  values(): KObject[] {
    return [...this.pods.values()];
  }
}
