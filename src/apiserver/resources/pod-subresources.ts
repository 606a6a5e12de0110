// pods/binding (the scheduler's write) and pods/eviction (what `kubectl drain` posts), shared by the
// HTTP handlers and the in-process client.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { ApiError, errors } from '../errors.js';
import type { ResourceContext } from './context.js';
import { parseDeleteOptions } from './delete-options.js';
import { deleteObject, updateStored } from './operations.js';
import { nowRfc3339 } from './prepare.js';
import { admitEviction, budgetNotProcessed } from './eviction-budget.js';

export async function bindPod(ctx: ResourceContext, d: ResourceDescriptor, namespace: string | undefined, name: string, binding: unknown, opts: { dryRun?: boolean } = {}): Promise<void> {
  const node = (binding as { target?: { name?: unknown } } | null)?.target?.name;
  if (typeof node !== 'string' || node === '') {
    throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  }
  const uid = (binding as { metadata?: { uid?: unknown } }).metadata?.uid;
  const bindingRef = { group: '', resource: 'pods/binding' };
  await updateStored(ctx, d, { namespace, name }, (pod: KObject) => {
    const spec = (pod.spec ?? (pod.spec = {})) as { nodeName?: string };
    if (typeof uid === 'string' && uid !== '' && uid !== pod.metadata.uid) {
      throw errors.conflict(bindingRef, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    if (pod.metadata.deletionTimestamp) throw errors.conflict(bindingRef, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (spec.nodeName) throw errors.conflict(bindingRef, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    spec.nodeName = node;
    const status = (pod.status ?? {}) as { conditions?: Array<Record<string, unknown>> };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowRfc3339() });
    pod.status = { ...status, conditions };
    return pod;
  }, { dryRun: opts.dryRun, subresource: 'binding' });
}

export async function evictPod(ctx: ResourceContext, d: ResourceDescriptor, namespace: string | undefined, name: string, eviction: unknown, opts: { dryRun?: boolean } = {}): Promise<void> {
  if (eviction === null || typeof eviction !== 'object' || Array.isArray(eviction)) throw errors.badRequest('the body of the request was not a valid Eviction object');
  const del = parseDeleteOptions((eviction as { deleteOptions?: unknown }).deleteOptions);
  const pod = await ctx.store.get(d, namespace, name);
  const admitted = await admitEviction(ctx, pod, !!(opts.dryRun || del.dryRun));
  // An unready pod let go without spending the budget must still be the pod that was judged.
  const pin = admitted.kind === 'as-judged' && !del.preconditions?.resourceVersion;
  const preconditions = pin ? { ...del.preconditions, resourceVersion: pod.metadata.resourceVersion } : del.preconditions;
  try {
    await deleteObject(ctx, d, namespace, name, { ...del, ...(preconditions ? { preconditions } : {}), dryRun: opts.dryRun || del.dryRun });
  } catch (err) {
    if (pin && admitted.kind === 'as-judged' && err instanceof ApiError && err.code === 409) throw budgetNotProcessed(admitted.budget);
    throw err;
  }
}
