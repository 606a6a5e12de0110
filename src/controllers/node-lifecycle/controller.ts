// The node lifecycle controller. A Node whose kubelet has been silent longer than the grace period
// (no Lease renewal, no status heartbeat) gets Unknown conditions; a Node's conditions and
// spec.unschedulable decide its managed taints (unreachable / not-ready with NoSchedule and
// NoExecute, pressure, unschedulable); when a Node stops being Ready, its pods are marked not ready
// so Services stop sending them traffic. Taint eviction acts on the NoExecute taints.
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { createEventRecorder } from '../../client/events.js';
import { hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { heartbeatOf, observe, readyStatusOf, silentConditions, type Observation } from './health.js';
import { reconcileTaints } from './taints.js';

const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
const leases: ResourceType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const nodeLeaseNamespace = 'kube-node-lease';

export interface NodeLifecycleOptions {
  client: Client;
  /** How long a kubelet may be silent before its Node is Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** How often a Node is looked at without any event (default 5 s). */
  nodeMonitorPeriodMs?: number;
  onError?(key: string, err: unknown): void;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function runNodeLifecycle(o: NodeLifecycleOptions, signal: AbortSignal): Promise<RunningController> {
  const grace = o.nodeMonitorGracePeriodMs ?? 40_000;
  const period = o.nodeMonitorPeriodMs ?? 5_000;
  const recorder = createEventRecorder(o.client, { component: 'node-controller' });
  const podRecorder = createEventRecorder(o.client, { component: 'node-controller' });
  const observed = new Map<string, Observation>();
  const lastReady = new Map<string, string | undefined>();

  const markPodsNotReady = async (node: string) => {
    const list = await o.client.list(pods, { fieldSelector: `spec.nodeName=${node}` });
    for (const pod of list.items) {
      const status = (pod.status ?? {}) as NonNullable<Pod['status']>;
      const conditions = (status.conditions ?? []) as PodCondition[];
      const i = conditions.findIndex((c) => c.type === 'Ready');
      if (i < 0 || conditions[i]!.status === 'False') continue;
      const next = structuredClone(pod);
      const nextConditions = structuredClone(conditions);
      nextConditions[i] = { ...nextConditions[i]!, status: 'False', lastTransitionTime: rfc3339(Date.now()) };
      next.status = { ...status, conditions: nextConditions };
      try {
        await o.client.update(pods, next, { subresource: 'status' });
      } catch (err) {
        if (hasReason(err, 'NotFound')) continue;
        throw err;
      }
      podRecorder.warning(pod, 'NodeNotReady', 'Node is not ready');
    }
  };

  const reconcile = async (name: string): Promise<ReconcileResult | void> => {
    let node: KObject;
    try {
      node = await o.client.get(nodes, undefined, name);
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
      observed.delete(name);
      lastReady.delete(name);
      return;
    }
    let lease: KObject | undefined;
    try {
      lease = await o.client.get(leases, nodeLeaseNamespace, name);
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
    }
    const now = Date.now();
    const seen = observe(observed.get(name), heartbeatOf(node, lease), now);
    observed.set(name, seen);
    const silentFor = now - seen.seenAt;
    const readyBefore = lastReady.has(name) ? lastReady.get(name) : readyStatusOf(node);

    if (silentFor >= grace) {
      const conditions = silentConditions(node, rfc3339(now));
      if (conditions) node = await o.client.update(nodes, { ...node, status: { ...(node.status as object), conditions } }, { subresource: 'status' });
    }

    const ready = readyStatusOf(node);
    if (readyBefore === 'True' && ready !== 'True') {
      recorder.normal(node, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      await markPodsNotReady(name);
    }
    lastReady.set(name, ready);

    const taints = reconcileTaints(node, rfc3339(now));
    if (taints) {
      const next = structuredClone(node);
      next.spec = { ...(next.spec as object), taints };
      await o.client.update(nodes, next);
    }
    // Look again when the grace period would run out, or at the monitor period.
    return { requeueAfterMs: silentFor >= grace ? period : Math.min(period, grace - silentFor + 10) };
  };

  return runController(
    {
      name: 'node-lifecycle',
      client: o.client,
      for: nodes,
      watches: [{ type: leases, keyOf: (l) => (l.metadata.namespace === nodeLeaseNamespace ? l.metadata.name : undefined) }],
      reconcile,
      onError: o.onError,
    },
    signal,
  );
}
