// Creating and deleting the pods a controller owns, with the events `kubectl describe` shows on
// the owner (SuccessfulCreate "Created pod: x", SuccessfulDelete "Deleted pod: x").
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client } from '../../client/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { KObject } from '../../registry/types.js';
import { controllerRefTo } from './controller-ref.js';
import { podsType } from './resources.js';

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
export async function createOwnedPod(client: Client, events: EventRecorder, owner: KObject, pod: KObject): Promise<KObject | undefined> {
  try {
    const created = await client.create(podsType, pod);
    events.normal(owner, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    return created;
  } catch (err) {
    if (hasReason(err, 'Forbidden') && /being terminated/.test(messageOf(err))) return undefined;
    events.warning(owner, 'FailedCreate', `Error creating: ${messageOf(err)}`);
    throw err;
  }
}

/** Deletes a pod of `owner`, recording SuccessfulDelete or FailedDelete. One already gone (or
 *  replaced by a namesake) is fine. */
export async function deleteOwnedPod(client: Client, events: EventRecorder, owner: KObject, pod: KObject): Promise<void> {
  try {
    await client.delete(podsType, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    events.normal(owner, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  } catch (err) {
    if (hasReason(err, 'NotFound') || hasReason(err, 'Conflict')) return;
    events.warning(owner, 'FailedDelete', `Error deleting: ${messageOf(err)}`);
    throw err;
  }
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
