// The two system PriorityClasses every cluster has (system-node-critical, system-cluster-critical),
// made at start when missing, as kube-apiserver's bootstrap does.
import { createObject } from '../apiserver/resources/operations.js';
import type { ResourceContext } from '../apiserver/resources/context.js';
import { ApiError } from '../apiserver/errors.js';
import { SYSTEM_PRIORITY_CLASSES } from '../registry/kinds/priorityclass.js';

export async function ensureSystemPriorityClasses(ctx: ResourceContext): Promise<void> {
  const d = ctx.registry.findByResource('scheduling.k8s.io', 'v1', 'priorityclasses');
  if (!d) return;
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    if (await ctx.store.tryGet(d, undefined, pc.name)) continue;
    const body = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: pc.name }, value: pc.value, description: pc.description, preemptionPolicy: 'PreemptLowerPriority' };
    try {
      await createObject(ctx, d, undefined, body);
    } catch (err) {
      // Another server sharing the datastore made it first.
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}
