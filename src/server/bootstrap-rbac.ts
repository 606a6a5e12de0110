// The default RBAC policy, reconciled at every start as kube-apiserver does: missing roles and
// bindings are created, missing rules, subjects, labels and annotations added, and nothing a user
// added is taken away. An object annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`
// is left exactly as its owner made it.
import { ApiError } from '../apiserver/errors.js';
import type { ResourceContext } from '../apiserver/resources/context.js';
import { createObject, deleteObject, replaceStored } from '../apiserver/resources/operations.js';
import { AUTOUPDATE, defaultClusterRoleBindings, defaultClusterRoles } from '../apiserver/rbac/default-policy.js';
import { uncovered, type PolicyRule } from '../apiserver/rbac/rules.js';
import type { Subject } from '../apiserver/rbac/subjects.js';
import { canonical } from '../registry/validation/common.js';
import type { KObject, ResourceDescriptor } from '../registry/types.js';

type Reconcile = (current: KObject, wanted: KObject) => KObject | 'recreate' | undefined;

/** Wanted labels and annotations are added; values the user set win. */
function withMeta(current: KObject, wanted: KObject): KObject {
  const next = structuredClone(current);
  next.metadata.labels = { ...wanted.metadata.labels, ...current.metadata.labels };
  next.metadata.annotations = { ...wanted.metadata.annotations, ...current.metadata.annotations };
  return next;
}

const reconcileRole: Reconcile = (current, wanted) => {
  const next = withMeta(current, wanted);
  const wantedAgg = wanted.aggregationRule as { clusterRoleSelectors: unknown[] } | undefined;
  if (wantedAgg) {
    // The rules of an aggregated role are the aggregation controller's; only its selectors are ours.
    const have = ((current.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors ?? []).slice();
    for (const s of wantedAgg.clusterRoleSelectors) if (!have.some((h) => canonical(h) === canonical(s))) have.push(s);
    next.aggregationRule = { clusterRoleSelectors: have };
  } else {
    const have = (current.rules as PolicyRule[] | undefined) ?? [];
    const missing = ((wanted.rules as PolicyRule[] | undefined) ?? []).filter((r) => uncovered(have, [r]).length > 0);
    if (missing.length > 0) next.rules = [...have, ...missing];
  }
  return canonical(next) === canonical(current) ? undefined : next;
};

const reconcileBinding: Reconcile = (current, wanted) => {
  // A binding's role cannot change in place.
  if (canonical(current.roleRef) !== canonical(wanted.roleRef)) return 'recreate';
  const next = withMeta(current, wanted);
  const have = ((current.subjects as Subject[] | undefined) ?? []).slice();
  for (const s of (wanted.subjects as Subject[]) ?? []) {
    if (!have.some((h) => h.kind === s.kind && h.name === s.name && (h.namespace ?? '') === (s.namespace ?? ''))) have.push(s);
  }
  next.subjects = have;
  return canonical(next) === canonical(current) ? undefined : next;
};

async function ensure(ctx: ResourceContext, d: ResourceDescriptor, wanted: KObject, reconcile: Reconcile): Promise<void> {
  const name = wanted.metadata.name!;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await ctx.store.tryGet(d, undefined, name);
    try {
      if (!current) {
        await createObject(ctx, d, undefined, wanted);
        return;
      }
      if (current.metadata.annotations?.[AUTOUPDATE] === 'false') return;
      const next = reconcile(current, wanted);
      if (next === undefined) return;
      if (next === 'recreate') {
        await deleteObject(ctx, d, undefined, name);
        continue;
      }
      await replaceStored(ctx, d, current, next, {});
      return;
    } catch (err) {
      // Another server of the cluster reconciling at the same moment: look again.
      if (!(err instanceof ApiError && (err.reason === 'Conflict' || err.reason === 'AlreadyExists' || err.reason === 'NotFound'))) throw err;
    }
  }
}

export async function ensureDefaultPolicy(ctx: ResourceContext): Promise<void> {
  const roles = ctx.registry.findByResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const bindings = ctx.registry.findByResource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
  for (const role of defaultClusterRoles()) await ensure(ctx, roles, role, reconcileRole);
  for (const binding of defaultClusterRoleBindings()) await ensure(ctx, bindings, binding, reconcileBinding);
}
