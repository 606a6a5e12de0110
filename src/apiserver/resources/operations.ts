// The write verbs, independent of HTTP: create, update (main resource or /status), delete with
// finalizers and grace periods. HTTP handlers and the in-process client both call these.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { ApiError, errors } from '../errors.js';
import type { AdmissionRequest, ResourceContext, WriteOptions } from './context.js';
import type { WebhookAdmission } from '../admission/webhooks/dispatcher.js';
import type { PolicyAdmission } from '../admission/policy/admission.js';
import { enforceKnownFields } from './field-validation.js';
import { recordWrite } from './record-manager.js';
import { carryOverMeta, checkTypeMeta, defaultAndValidate, initCreateMeta, nowRfc3339 } from './prepare.js';

const ref = (d: ResourceDescriptor) => ({ group: d.group, resource: d.plural });

async function admit(ctx: ResourceContext, req: AdmissionRequest): Promise<() => void> {
  try {
    for (const plugin of ctx.admission) await plugin.admit(req);
  } catch (err) {
    for (const plugin of ctx.admission) plugin.abandon?.(req);
    throw err;
  }
  return () => {
    for (const plugin of ctx.admission) plugin.abandon?.(req);
  };
}

/** Upstream's mutating admission phase, between defaulting and validation. */
function mutation(ctx: ResourceContext, req: Omit<AdmissionRequest, 'object'>, opts: WriteOptions, sent?: unknown): (obj: KObject) => void {
  return (obj) => {
    // Ownership covers what the writer sent and its defaults, not what admission adds (as upstream).
    if (!opts.managedFields && opts.fieldManager !== undefined) recordWrite(req.descriptor, req.old, obj, opts.fieldManager, opts.fieldManagerSubresource, sent);
    for (const plugin of ctx.admission) plugin.mutate?.({ ...req, object: obj });
  };
}

/** Writes `obj` through `write`, undoing admission reservations if the write does not happen.
 *  `revalidate` runs defaults and validation again when a mutating webhook changed the object. */
async function admitAndWrite(ctx: ResourceContext, req: AdmissionRequest, write: () => Promise<KObject>, hooks: WebhookStep): Promise<KObject> {
  const abandon = await admit(ctx, req);
  try {
    if ((ctx.webhooks || ctx.policies) && !hooks.skip) await runWebhooks(ctx.webhooks, req, hooks, ctx.policies);
  } catch (err) {
    abandon();
    throw err;
  }
  if (req.dryRun) {
    abandon();
    return req.object;
  }
  try {
    return await write();
  } catch (err) {
    abandon();
    throw err;
  }
}

interface WebhookStep {
  revalidate(): void;
  skip?: boolean;
  warn?: (text: string) => void;
}

/** Mutating webhooks, validation again if they changed anything, then ValidatingAdmissionPolicies
 *  and validating webhooks (upstream's order). The object is changed in place, so the caller's write
 *  stores what the webhooks made of it. */
async function runWebhooks(webhooks: WebhookAdmission | undefined, req: AdmissionRequest, step: WebhookStep, policies?: PolicyAdmission): Promise<void> {
  const m = req.object.metadata;
  const wreq = {
    operation: req.operation, descriptor: req.descriptor, subresource: req.subresource, namespace: m.namespace, name: m.name ?? '',
    object: req.object, old: req.old, dryRun: req.dryRun, user: req.user, warn: step.warn,
  };
  const mutated = await webhooks?.mutate(wreq);
  if (mutated && mutated !== req.object) {
    for (const key of Object.keys(req.object)) delete req.object[key];
    Object.assign(req.object, mutated);
    step.revalidate();
  }
  await policies?.validate(wreq);
  await webhooks?.validate(wreq);
}

export async function createObject(
  ctx: ResourceContext,
  d: ResourceDescriptor,
  namespace: string | undefined,
  body: unknown,
  opts: WriteOptions = {},
): Promise<KObject> {
  if (d.ephemeral) throw errors.methodNotAllowed(`${d.plural}.${d.group} are answered, not stored`);
  const obj = checkTypeMeta(d, body);
  enforceKnownFields(d, obj, opts.fieldValidation ?? 'Ignore', opts.warn);
  const sentManagedFields = obj.metadata.managedFields;
  initCreateMeta(d, obj, namespace);
  if (opts.managedFields) obj.metadata.managedFields = opts.managedFields();
  d.prepareForCreate?.(obj);
  // The status of a new object is the server's to set (its defaults may start one), except where
  // the writer is the one that knows it (a kubelet registering its Node).
  if (d.subresources?.status && !d.keepsStatusOnCreate) delete obj.status;
  defaultAndValidate(d, obj, undefined, mutation(ctx, { operation: 'CREATE', descriptor: d, dryRun: !!opts.dryRun, user: opts.user }, opts, sentManagedFields));
  return admitAndWrite(ctx, { operation: 'CREATE', descriptor: d, object: obj, dryRun: !!opts.dryRun, user: opts.user }, () => ctx.store.create(d, obj), {
    revalidate: () => defaultAndValidate(d, obj),
    warn: opts.warn,
  });
}

export interface UpdateOptions extends WriteOptions {
  /** Which part of the object the write may change: the main resource (spec and metadata), the
   *  status, the namespace finalizers, or — for a binding — the node and scheduling condition. */
  subresource?: 'status' | 'finalize' | 'binding' | string;
}

/** A client's conditions on the stored object: a write against another incarnation or another
 *  version of it is a Conflict. */
export function checkPreconditions(d: ResourceDescriptor, current: KObject, pre: { uid?: unknown; resourceVersion?: unknown }): void {
  const name = current.metadata.name!;
  if (pre.uid && pre.uid !== current.metadata.uid) {
    throw errors.conflict(ref(d), name, `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${current.metadata.uid}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) throw errors.conflict(ref(d), name);
}

/**
 * Read, build the next object from the current one, store it; when another writer got in between,
 * read again and rebuild. A client that pinned a resourceVersion or uid gets its Conflict from
 * `build`'s precondition check on the next round, so retrying is always safe.
 */
/** Each round of a contended read-modify-write lets at least one writer through, so n writers need
 *  at most n rounds; the bound only stops a bug from spinning forever. */
const maxAttempts = 1000;

export async function updateStored(
  ctx: ResourceContext,
  d: ResourceDescriptor,
  target: { namespace?: string; name: string },
  build: (current: KObject) => KObject | Promise<KObject>,
  opts: UpdateOptions = {},
): Promise<KObject> {
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.store.get(d, target.namespace, target.name);
    const next = await build(structuredClone(current));
    try {
      return await replaceStored(ctx, d, current, next, opts);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'Conflict') || attempt >= maxAttempts) throw err;
    }
  }
}

/** PUT semantics: replace the object, optimistic concurrency on metadata.resourceVersion when given. */
export async function updateObject(
  ctx: ResourceContext,
  d: ResourceDescriptor,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: UpdateOptions = {},
): Promise<KObject> {
  const incoming = checkTypeMeta(d, body);
  enforceKnownFields(d, incoming, opts.fieldValidation ?? 'Ignore', opts.warn);
  if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${String(incoming.metadata.name)}) does not match the name on the URL (${name})`);
  }
  if (d.namespaced && incoming.metadata.namespace && incoming.metadata.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return updateStored(ctx, d, { namespace, name }, (current) => {
    checkPreconditions(d, current, incoming.metadata);
    return structuredClone(incoming);
  }, opts);
}

/** Stores `incoming` in place of `old` (which carries the revision to compare against). */
export async function replaceStored(
  ctx: ResourceContext,
  d: ResourceDescriptor,
  old: KObject,
  incoming: KObject,
  opts: UpdateOptions,
): Promise<KObject> {
  let next: KObject;
  let revalidate: () => void;
  if (opts.subresource === 'status') {
    next = structuredClone(old);
    if (incoming.status !== undefined) next.status = incoming.status;
    else delete next.status;
    revalidate = () => {
      const errs = d.validateStatus?.(next, { old }) ?? [];
      if (errs.length) throw errors.invalid(d.kind, d.group, old.metadata.name!, errs);
    };
    revalidate();
    if (opts.fieldManager !== undefined) recordWrite(d, old, next, opts.fieldManager, 'status');
  } else if (opts.subresource === 'finalize' || opts.subresource === 'binding') {
    // Built from the stored object by the caller, changing only what the subresource owns.
    next = incoming;
    revalidate = () => {};
  } else if (opts.subresource !== undefined) {
    const part = d.subresources?.parts?.find((p) => p.name === opts.subresource);
    if (!part) throw errors.notFoundPath();
    next = part.apply(structuredClone(old), incoming);
    revalidate = () => {
      const errs = part.validate(next, old);
      if (errs.length) throw errors.invalid(d.kind, d.group, old.metadata.name!, errs);
    };
    revalidate();
    if (opts.fieldManager !== undefined) recordWrite(d, old, next, opts.fieldManager, opts.subresource);
  } else {
    next = incoming;
    const sentManagedFields = next.metadata.managedFields;
    const mutate = mutation(ctx, { operation: 'UPDATE', descriptor: d, old, dryRun: !!opts.dryRun, user: opts.user }, opts, sentManagedFields);
    // Run again after a mutating webhook: what it may not change is put back, generation recounted.
    revalidate = () => {
      next.metadata.name = old.metadata.name;
      if (d.subresources?.status) {
        if (old.status !== undefined) next.status = old.status;
        else delete next.status;
      }
      carryOverMeta(d, next, old);
      if (opts.managedFields) next.metadata.managedFields = opts.managedFields();
      d.prepareForUpdate?.(next, old);
      defaultAndValidate(d, next, old, mutate);
    };
    revalidate();
  }
  next.metadata.resourceVersion = old.metadata.resourceVersion;
  if (readyToFinalize(d, next)) {
    if (opts.dryRun) return next;
    return ctx.store.delete(d, next);
  }
  // A binding is not sent to webhooks as an update of the pod: upstream sends it as the create of
  // a Binding object, which this server does not build.
  const hooks = opts.subresource === 'binding' ? { revalidate, warn: opts.warn, skip: true } : { revalidate, warn: opts.warn };
  return admitAndWrite(ctx, { operation: 'UPDATE', descriptor: d, object: next, old, subresource: opts.subresource, dryRun: !!opts.dryRun, user: opts.user }, () =>
    ctx.store.update(d, next),
  hooks);
}

/** An object being deleted goes once nothing holds it: no finalizers, no namespace finalizers, and no
 *  grace period still running (graceful pods go when the kubelet confirms with a zero grace period). */
function readyToFinalize(d: ResourceDescriptor, obj: KObject): boolean {
  const m = obj.metadata;
  if (!m.deletionTimestamp || (m.finalizers?.length ?? 0) > 0 || (m.deletionGracePeriodSeconds ?? 0) > 0) return false;
  return (d.deletion?.specFinalizers?.(obj).length ?? 0) === 0;
}

/** PUT namespaces/<name>/finalize: only spec.finalizers changes; emptying it lets a terminating
 *  namespace go. */
export async function finalizeNamespace(ctx: ResourceContext, d: ResourceDescriptor, name: string, body: unknown, opts: WriteOptions = {}): Promise<KObject> {
  const incoming = checkTypeMeta(d, body);
  const finalizers = (incoming.spec as { finalizers?: unknown } | undefined)?.finalizers ?? [];
  if (!Array.isArray(finalizers) || finalizers.some((f) => typeof f !== 'string')) {
    throw errors.invalid(d.kind, d.group, name, [{ reason: 'FieldValueInvalid', field: 'spec.finalizers', message: 'Invalid value: must be a list of strings' }]);
  }
  return updateStored(ctx, d, { name }, (current) => {
    checkPreconditions(d, current, incoming.metadata);
    current.spec = { ...(current.spec as object), finalizers };
    return current;
  }, { ...opts, subresource: 'finalize' });
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  object: KObject;
  /** False while finalizers or a grace period keep the object around. */
  gone: boolean;
}

export async function deleteObject(
  ctx: ResourceContext,
  d: ResourceDescriptor,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions = {},
): Promise<DeleteResult> {
  if (d.deletion?.protectedNames?.includes(name)) {
    throw errors.forbidden(`${d.plural} "${name}" is forbidden: this ${d.singular} may not be deleted`, ref(d), name);
  }
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.store.get(d, namespace, name);
    const pre = opts.preconditions;
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(ref(d), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${current.metadata.resourceVersion}`);
    }
    checkPreconditions(d, current, { uid: pre?.uid });
    if (ctx.webhooks || ctx.policies) await deleteWebhooks(ctx.webhooks, d, current, opts, ctx.policies);
    try {
      return await deleteOnce(ctx, d, current, opts);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'Conflict') || attempt >= maxAttempts) throw err;
    }
  }
}

/** A DELETE goes to webhooks with the stored object as oldObject and no object; a mutating
 *  webhook's patch has nothing to apply to and is dropped, as upstream. */
async function deleteWebhooks(webhooks: WebhookAdmission | undefined, d: ResourceDescriptor, current: KObject, opts: DeleteOptions, policies?: PolicyAdmission): Promise<void> {
  const options: Record<string, unknown> = {};
  if (opts.gracePeriodSeconds !== undefined) options.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.propagationPolicy !== undefined) options.propagationPolicy = opts.propagationPolicy;
  const req = {
    operation: 'DELETE' as const, descriptor: d, namespace: current.metadata.namespace, name: current.metadata.name ?? '',
    old: current, dryRun: !!opts.dryRun, user: opts.user, warn: opts.warn, options,
  };
  await webhooks?.mutate(req);
  await policies?.validate(req);
  await webhooks?.validate(req);
}

/** The finalizers the garbage collector acts on: dependents lose their owner reference (orphan),
 *  or go first (foregroundDeletion), before the owner itself goes. */
export const orphanFinalizer = 'orphan';
export const foregroundFinalizer = 'foregroundDeletion';

/** The propagation policy, as upstream, is carried by finalizers: Orphan and Foreground swap one for
 *  the other, Background drops both, and no policy leaves whatever an earlier delete asked for. */
export function finalizersForPolicy(current: readonly string[], policy: DeleteOptions['propagationPolicy']): string[] {
  const next = new Set(current);
  if (policy === 'Orphan') {
    next.add(orphanFinalizer);
    next.delete(foregroundFinalizer);
  } else if (policy === 'Foreground') {
    next.add(foregroundFinalizer);
    next.delete(orphanFinalizer);
  } else if (policy === 'Background') {
    next.delete(orphanFinalizer);
    next.delete(foregroundFinalizer);
  }
  return [...next];
}

async function deleteOnce(ctx: ResourceContext, d: ResourceDescriptor, current: KObject, opts: DeleteOptions): Promise<DeleteResult> {
  const next = structuredClone(current);
  const m = next.metadata;
  const before = m.finalizers ?? [];
  const finalizers = finalizersForPolicy(before, opts.propagationPolicy);
  const finalizersChanged = finalizers.length !== before.length || finalizers.some((f, i) => f !== before[i]);
  if (finalizers.length > 0) m.finalizers = finalizers;
  else delete m.finalizers;
  const held = finalizers.length > 0 || (d.deletion?.specFinalizers?.(next).length ?? 0) > 0;
  const grace = d.deletion?.gracePeriodSeconds?.(next, opts.gracePeriodSeconds) ?? 0;

  if (!held && grace === 0) {
    if (opts.dryRun) return { object: next, gone: true };
    return { object: await ctx.store.delete(d, next), gone: true };
  }
  // Graceful: mark, and let the owner of the finalizer (GC, namespace controller, kubelet) finish.
  const now = Date.now();
  if (!m.deletionTimestamp) {
    m.deletionTimestamp = nowRfc3339(new Date(now + grace * 1000));
    m.deletionGracePeriodSeconds = grace;
  } else if (grace < (m.deletionGracePeriodSeconds ?? Infinity)) {
    // A shorter grace period may shorten an ongoing one, never lengthen it.
    m.deletionTimestamp = nowRfc3339(new Date(now + grace * 1000));
    m.deletionGracePeriodSeconds = grace;
  } else if (!finalizersChanged) {
    return { object: current, gone: false };
  }
  d.deletion?.onDeletionStarted?.(next);
  if (opts.dryRun) return { object: next, gone: false };
  return { object: await ctx.store.update(d, next), gone: false };
}
