// The disruption controller: for each PodDisruptionBudget, how many of its pods are expected,
// how many are healthy (Ready, not being deleted, not just evicted), how many must stay healthy,
// and so how many may be disrupted now. pods/eviction reads and spends that count.
// Simplification: the expected count for maxUnavailable and percentages is the sum of the owning
// ReplicaSets'/workloads' replicas where the pods have an owner, else the pods found.
import type { PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { getIfExists, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { controllerRefOf } from '../workloads/controller-ref.js';
import { scaledValue } from '../workloads/int-or-percent.js';
import { splitKey } from '../workloads/keys.js';
import { isReady } from '../workloads/pod-state.js';
import { podsType, replicaSetsType } from '../workloads/resources.js';
import { selectorOf } from '../workloads/selector.js';
import { setCondition, timestamp, writeStatus } from '../workloads/status-write.js';

export const pdbsType: ResourceType = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };
/** An evicted pod not yet deleted after this long no longer counts as disrupted (upstream: 2 min). */
const disruptedPodTimeoutMs = 2 * 60_000;

export interface DisruptionControllerOptions {
  client: Client;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

export async function runDisruptionController(o: DisruptionControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const now = o.now ?? (() => new Date());
  // Any pod change may matter to any budget of its namespace: requeue them all (few per namespace).
  let budgets: KObject[] = [];
  const pdbKeysFor = (pod: KObject) => budgets.filter((b) => b.metadata.namespace === pod.metadata.namespace).map((b) => `${b.metadata.namespace}/${b.metadata.name}`);
  return runController(
    {
      name: 'disruption', client: o.client, for: pdbsType,
      watches: [{ type: podsType, keyOf: pdbKeysFor }],
      reconcile: async (key) => {
        budgets = (await o.client.list(pdbsType)).items;
        return reconcileBudget(o.client, key, now());
      },
      onError: o.onError,
    },
    signal,
  );
}

export async function reconcileBudget(client: Client, key: string, now: Date): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const pdb = await getIfExists(client, pdbsType, namespace, name);
  if (!pdb || pdb.metadata.deletionTimestamp) return;
  const spec = (pdb.spec ?? {}) as PodDisruptionBudgetSpec;
  const prev = (pdb.status ?? {}) as PodDisruptionBudgetStatus;
  // policy/v1: an empty selector selects every pod of the namespace, none at all selects nothing.
  const matches = spec.selector ? selectorOf(spec.selector) : () => false;
  const pods = (await client.list(podsType, { namespace })).items.filter((p) => matches(p.metadata.labels));

  const disrupted: Record<string, string> = {};
  let nextExpiry: number | undefined;
  for (const [podName, at] of Object.entries(prev.disruptedPods ?? {})) {
    const pod = pods.find((p) => p.metadata.name === podName);
    const expires = Date.parse(at) + disruptedPodTimeoutMs;
    if (!pod || pod.metadata.deletionTimestamp || expires <= now.getTime()) continue;
    disrupted[podName] = at;
    nextExpiry = Math.min(nextExpiry ?? Infinity, expires);
  }
  const currentHealthy = pods.filter((p) => isReady(p) && !p.metadata.deletionTimestamp && !(p.metadata.name! in disrupted)).length;
  const { expectedPods, desiredHealthy } = await expectation(client, spec, pods);
  const disruptionsAllowed = Math.max(0, currentHealthy - desiredHealthy);
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: pdb.metadata.generation,
    ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods,
    conditions: setCondition((prev.conditions ?? []) as Array<{ type: string; status: string; lastTransitionTime: string; reason: string; message: string; observedGeneration?: number }>, {
      type: 'DisruptionAllowed',
      status: disruptionsAllowed > 0 ? 'True' : 'False',
      reason: disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods',
      message: '',
      observedGeneration: pdb.metadata.generation,
      lastTransitionTime: timestamp(now),
    }),
  };
  await writeStatus(client, pdbsType, pdb, status);
  if (nextExpiry !== undefined) return { requeueAfterMs: nextExpiry - now.getTime() + 100 };
}

async function expectation(client: Client, spec: PodDisruptionBudgetSpec, pods: KObject[]): Promise<{ expectedPods: number; desiredHealthy: number }> {
  if (spec.maxUnavailable === undefined && typeof spec.minAvailable === 'number') return { expectedPods: pods.length, desiredHealthy: spec.minAvailable };
  const expectedPods = await controllersScale(client, pods);
  if (spec.maxUnavailable !== undefined) {
    return { expectedPods, desiredHealthy: Math.max(0, expectedPods - scaledValue(spec.maxUnavailable, expectedPods, true)) };
  }
  if (spec.minAvailable !== undefined) return { expectedPods, desiredHealthy: scaledValue(spec.minAvailable, expectedPods, true) };
  return { expectedPods, desiredHealthy: 0 };
}

/** The replicas the pods' controllers want: each ReplicaSet's spec.replicas once; other pods one each. */
async function controllersScale(client: Client, pods: KObject[]): Promise<number> {
  let total = 0;
  const seen = new Set<string>();
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (ref?.kind === 'ReplicaSet') {
      if (seen.has(ref.uid)) continue;
      seen.add(ref.uid);
      const rs = await getIfExists(client, replicaSetsType, pod.metadata.namespace, ref.name);
      total += rs && rs.metadata.uid === ref.uid ? Number((rs.spec as { replicas?: number }).replicas ?? 1) : 1;
    } else {
      total += 1;
    }
  }
  return total;
}
