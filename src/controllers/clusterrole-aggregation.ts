// ClusterRoles with an aggregationRule get the rules of the ClusterRoles their selectors match, as
// upstream's clusterrole-aggregation controller does: admin, edit and view grow when a role
// labelled aggregate-to-* appears. Any ClusterRole change may concern every aggregated one, so
// each change enqueues them all (there are few).
import type { Client, ResourceType } from '../client/types.js';
import { getIfExists } from '../client/types.js';
import { aggregatedRules, selectorsOf } from '../registry/kinds/rbac-aggregation.js';
import { canonical } from '../registry/validation/common.js';
import type { ObjectCache } from './runtime/object-cache.js';
import { runController, type RunningController } from './runtime/run-controller.js';

const clusterRoles: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };

export interface AggregationOptions {
  client: Client;
  /** The cluster's ClusterRoles, shared with the RBAC authorizer. */
  cache: ObjectCache;
  onError?(key: string, err: unknown): void;
}

export async function reconcileAggregation(o: AggregationOptions, name: string): Promise<void> {
  const role = await getIfExists(o.client, clusterRoles, undefined, name);
  if (!role || selectorsOf(role) === undefined) return;
  const rules = aggregatedRules(role, o.cache.list());
  if (canonical(rules) === canonical(role.rules ?? [])) return;
  await o.client.update(clusterRoles, { ...structuredClone(role), rules });
}

export function runClusterRoleAggregation(o: AggregationOptions, signal: AbortSignal): Promise<RunningController> {
  const aggregated = () => o.cache.list().filter((r) => selectorsOf(r) !== undefined).map((r) => r.metadata.name!);
  return runController(
    {
      name: 'clusterrole-aggregation',
      client: o.client,
      for: clusterRoles,
      watches: [{ cache: o.cache, keyOf: aggregated }],
      reconcile: (key) => reconcileAggregation(o, key),
      onError: o.onError,
    },
    signal,
  );
}
