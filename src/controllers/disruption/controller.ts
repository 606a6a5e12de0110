// The disruption controller: for each PodDisruptionBudget, how many of its pods are expected,
// how many are healthy (Ready, not being deleted, not just evicted), how many must stay healthy,
// and so how many may be disrupted now. pods/eviction reads and spends that count.
// When the count cannot be worked out (a pod's controller has no scale), the budget fails safe:
// no disruptions, and a SyncFailed condition saying why, as upstream.
import type { PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { createEventRecorder, type EventRecorder } from '../../client/events.js';
import { getIfExists, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { splitKey } from '../workloads/keys.js';
import { isReady } from '../workloads/pod-state.js';
import { podsType } from '../workloads/resources.js';
import { selectorOf } from '../workloads/selector.js';
import { setCondition, timestamp, writeStatus } from '../workloads/status-write.js';
import { disruptionsAllowed, expectation, needsScale } from './budget.js';
import { controllersScale } from './controller-scale.js';

export const pdbsType: ResourceType = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };
/** An evicted pod not yet deleted after this long no longer counts as disrupted (upstream: 2 min). */
const disruptedPodTimeoutMs = 2 * 60_000;

type Condition = { type: string; status: string; lastTransitionTime: string; reason: string; message: string; observedGeneration?: number };

export interface DisruptionControllerOptions {
  client: Client;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

export async function runDisruptionController(o: DisruptionControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const now = o.now ?? (() => new Date());
  const events = createEventRecorder(o.client, { component: 'controllermanager' });
  // Any pod change may matter to any budget of its namespace: requeue them all (few per namespace).
  let budgets: KObject[] = [];
  const pdbKeysFor = (pod: KObject) => budgets.filter((b) => b.metadata.namespace === pod.metadata.namespace).map((b) => `${b.metadata.namespace}/${b.metadata.name}`);
  return runController(
    {
      name: 'disruption', client: o.client, for: pdbsType,
      watches: [{ type: podsType, keyOf: pdbKeysFor }],
      reconcile: async (key) => {
        budgets = (await o.client.list(pdbsType)).items;
        return reconcileBudget(o.client, key, now(), events);
      },
      onError: o.onError,
    },
    signal,
  );
}

export async function reconcileBudget(client: Client, key: string, now: Date, events?: EventRecorder): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const pdb = await getIfExists(client, pdbsType, namespace, name);
  if (!pdb || pdb.metadata.deletionTimestamp) return;
  const spec = (pdb.spec ?? {}) as PodDisruptionBudgetSpec;
  const prev = (pdb.status ?? {}) as PodDisruptionBudgetStatus;
  // policy/v1: an empty selector selects every pod of the namespace, none at all selects nothing.
  const matches = spec.selector ? selectorOf(spec.selector) : () => false;
  const pods = (await client.list(podsType, { namespace })).items.filter((p) => matches(p.metadata.labels));
  const firstLook = prev.observedGeneration !== pdb.metadata.generation;
  if (pods.length === 0 && (firstLook || (prev.expectedPods ?? 0) > 0)) events?.normal(pdb, 'NoPods', 'No matching pods found');

  let scale = 0;
  if (needsScale(spec)) {
    try {
      const found = await controllersScale(client, pods);
      scale = found.scale;
      if (found.unmanaged.length > 0 && firstLook) {
        events?.warning(pdb, 'UnmanagedPods', `Pods selected by this PodDisruptionBudget were found to be unmanaged (${found.unmanaged.join(', ')}), so its status cannot count them; set .spec.minAvailable to an integer to account for them.`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      events?.warning(pdb, 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${message}`);
      await failSafe(client, pdb, prev, message, now);
      return;
    }
  }

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
  const expected = expectation(spec, pods.length, scale);
  const allowed = disruptionsAllowed(currentHealthy, expected);
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: pdb.metadata.generation,
    ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy: expected.desiredHealthy,
    expectedPods: expected.expectedPods,
    conditions: setCondition((prev.conditions ?? []) as Condition[], {
      type: 'DisruptionAllowed',
      status: allowed > 0 ? 'True' : 'False',
      reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
      message: '',
      observedGeneration: pdb.metadata.generation,
      lastTransitionTime: timestamp(now),
    }),
  };
  await writeStatus(client, pdbsType, pdb, status);
  if (nextExpiry !== undefined) return { requeueAfterMs: nextExpiry - now.getTime() + 100 };
}

/** No disruptions while the budget cannot be computed; the rest of the status is left as it was. */
async function failSafe(client: Client, pdb: KObject, prev: PodDisruptionBudgetStatus, message: string, now: Date): Promise<void> {
  await writeStatus(client, pdbsType, pdb, {
    ...prev,
    disruptionsAllowed: 0,
    conditions: setCondition((prev.conditions ?? []) as Condition[], {
      type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message,
      ...(prev.observedGeneration !== undefined ? { observedGeneration: prev.observedGeneration } : {}), lastTransitionTime: timestamp(now),
    }),
  });
}
