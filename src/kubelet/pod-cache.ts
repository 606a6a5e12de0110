// The pods bound to this node, as last seen: filled by the pod watch and by the kubelet's own
// status writes, whichever is newer, so a pass never works from a status older than its last write.
import type { KObject } from '../registry/types.js';

const keyOf = (obj: KObject) => `${obj.metadata.namespace}/${obj.metadata.name}`;

/** True when `a` is a later resourceVersion than `b` (numeric revisions; otherwise assume so). */
function newer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return BigInt(a) > BigInt(b);
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
