// Creating and deleting the pods a controller owns, with the events `kubectl describe` shows on
// the owner (SuccessfulCreate "Created pod: x", SuccessfulDelete "Deleted pod: x").
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client } from '../../client/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { KObject } from '../../registry/types.js';
import { controllerRefTo, ownerKeyOf } from './controller-ref.js';
import { podsType } from './resources.js';
import { startObjectCache, type ObjectCache } from '../runtime/object-cache.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import type { Expectations } from './expectations.js';

/** What the workload controllers create and delete pods with. */
export interface PodControl {
  client: Client;
  events: EventRecorder;
  /** Paces pod creations of every workload controller together. */
  creations: TokenBucket;
}

/** Pods created in one reconcile at most (upstream's burstReplicas), so a reconcile stays short and
 *  the controller sees its own progress before going on. */
export const POD_BURST = 500;

/** The pace when every controller shares one budget: a burst of a few hundred at once, then
 *  200 a second, which the server absorbs with room to spare for everything else. */
export const newPodCreationBudget = () => new TokenBucket({ ratePerSecond: 200, burst: 400 });

/** The shared pod cache if the caller has one, else one of the controller's own. */
export async function podCacheFor(client: Client, shared: ObjectCache | undefined, signal: AbortSignal): Promise<ObjectCache> {
  return shared ?? startObjectCache({ client, type: podsType }, signal);
}

/** Counts the cache's pod events off the expectations of their controller of `kind`: a new pod is
 *  an observed creation; a pod marked for deletion or gone, an observed deletion. */
export function countOwnedPodEvents(cache: ObjectCache, kind: string, expectations: Expectations, signal: AbortSignal): void {
  const keyOf = ownerKeyOf(kind);
  const unsubscribe = cache.subscribe((ev) => {
    const key = keyOf(ev.object);
    if (!key) return;
    if (ev.type === 'ADDED') expectations.creationObserved(key);
    if (ev.type === 'DELETED' || ev.object.metadata.deletionTimestamp) expectations.deletionObserved(key, ev.object.metadata.uid);
  });
  signal.addEventListener('abort', unsubscribe, { once: true });
}

export interface PodNaming {
  generateName: string;
  /** Labels added to the template's own. */
  labels?: Record<string, string>;
  finalizers?: string[];
}

/** A pod from `template`, controlled by `owner`. */
export function podFromTemplate(owner: KObject, template: PodTemplateSpec | undefined, naming: PodNaming): KObject {
  const meta = template?.metadata ?? {};
  const labels = { ...(meta.labels ?? {}), ...(naming.labels ?? {}) };
  const finalizers = [...(meta.finalizers ?? []), ...(naming.finalizers ?? [])];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: naming.generateName,
      namespace: owner.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(finalizers.length ? { finalizers } : {}),
      ownerReferences: [controllerRefTo(owner)],
    },
    spec: structuredClone(template?.spec ?? {}),
  };
}

/** Creates a pod for `owner`, recording SuccessfulCreate or FailedCreate on it. A namespace being
 *  deleted refuses every create; that is not worth an event or a retry, so it resolves undefined. */
export async function createOwnedPod(control: PodControl, owner: KObject, pod: KObject): Promise<KObject | undefined> {
  await control.creations.take();
  try {
    const created = await control.client.create(podsType, pod);
    control.events.normal(owner, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    return created;
  } catch (err) {
    if (hasReason(err, 'Forbidden') && /being terminated/.test(messageOf(err))) return undefined;
    control.events.warning(owner, 'FailedCreate', `Error creating: ${messageOf(err)}`);
    throw err;
  }
}

/** Deletes a pod of `owner`, recording SuccessfulDelete or FailedDelete. One already gone (or
 *  replaced by a namesake) is fine. */
export async function deleteOwnedPod(control: PodControl, owner: KObject, pod: KObject): Promise<void> {
  try {
    await control.client.delete(podsType, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    control.events.normal(owner, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  } catch (err) {
    if (hasReason(err, 'NotFound') || hasReason(err, 'Conflict')) return;
    control.events.warning(owner, 'FailedDelete', `Error deleting: ${messageOf(err)}`);
    throw err;
  }
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
