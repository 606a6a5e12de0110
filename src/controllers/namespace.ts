// Namespace deletion: once a namespace is marked for deletion, delete everything in it, and when
// nothing is left, drop the `kubernetes` finalizer so the namespace itself goes.
import { getIfExists, hasReason, type Client, type ResourceType } from '../client/types.js';
import { runController, type ReconcileResult, type RunningController } from './runtime/run-controller.js';

export const namespaceFinalizer = 'kubernetes';
const namespaces: ResourceType = { group: '', version: 'v1', resource: 'namespaces' };

export interface NamespaceControllerOptions {
  client: Client;
  /** Every namespaced resource type whose objects must go with their namespace. */
  namespacedTypes: ResourceType[];
  recheckMs?: number;
  onError?(key: string, err: unknown): void;
}

export async function reconcileNamespace(o: NamespaceControllerOptions, name: string): Promise<ReconcileResult | void> {
  const ns = await getIfExists(o.client, namespaces, undefined, name);
  if (!ns) return;
  if (!ns.metadata.deletionTimestamp) return;
  for (const type of o.namespacedTypes) {
    const list = await o.client.list(type, { namespace: name });
    for (const obj of list.items) {
      if (obj.metadata.deletionTimestamp) continue;
      try {
        await o.client.delete(type, name, obj.metadata.name!, { propagationPolicy: 'Background' });
      } catch (err) {
        if (!hasReason(err, 'NotFound')) throw err;
      }
    }
  }
  // Most objects go at once; those with finalizers or a grace period finish later: look again.
  if ((await countRemaining(o, name)) > 0) return { requeueAfterMs: o.recheckMs ?? 1000 };
  const spec = (ns.spec ?? {}) as { finalizers?: string[] };
  if (!spec.finalizers?.includes(namespaceFinalizer)) return;
  const next = structuredClone(ns);
  next.spec = { ...spec, finalizers: spec.finalizers.filter((f) => f !== namespaceFinalizer) };
  await o.client.update(namespaces, next, { subresource: 'finalize' });
}

async function countRemaining(o: NamespaceControllerOptions, namespace: string): Promise<number> {
  let n = 0;
  for (const type of o.namespacedTypes) n += (await o.client.list(type, { namespace, limit: 1 })).items.length;
  return n;
}

export function runNamespaceController(o: NamespaceControllerOptions, signal: AbortSignal): Promise<RunningController> {
  return runController({ name: 'namespace', client: o.client, for: namespaces, reconcile: (key) => reconcileNamespace(o, key), onError: o.onError }, signal);
}
