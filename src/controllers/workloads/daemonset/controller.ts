// DaemonSet: one pod on every node that admits it. Pods are created pinned to their node through
// required node affinity (the scheduler binds them, as upstream), carry controller-revision-hash
// (a hash of the template; no ControllerRevision objects are kept), and are replaced node by node
// on a template change within maxUnavailable.
import type { DaemonSetSpec, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { getIfExists, type Client } from '../../../client/types.js';
import { createEventRecorder } from '../../../client/events.js';
import type { KObject } from '../../../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from '../../runtime/run-controller.js';
import { claimObjects, ownerKeyOf } from '../controller-ref.js';
import { scaledValue } from '../int-or-percent.js';
import { splitKey } from '../keys.js';
import { createOwnedPod, deleteOwnedPod, newPodCreationBudget, podFromTemplate, type PodControl } from '../pod-control.js';
import type { TokenBucket } from '../../runtime/token-bucket.js';
import { isReady, isTerminating, msUntilAvailable, podPhase } from '../pod-state.js';
import { daemonSetsType, nodesType, podsType } from '../resources.js';
import { selectorOf } from '../selector.js';
import { slowStartBatch } from '../slow-start.js';
import { writeStatus } from '../status-write.js';
import { templateHash } from '../template-hash.js';
import { pinnedAffinity, placementOn, targetNodeOf, withDaemonTolerations, type Placement } from './placement.js';

export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

export interface DaemonSetControllerOptions {
  client: Client;
  /** The pod creation budget shared with the other workload controllers. */
  podCreations?: TokenBucket;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

interface Context {
  client: Client;
  control: PodControl;
  now: () => Date;
}

export async function runDaemonSetController(o: DaemonSetControllerOptions, signal: AbortSignal): Promise<RunningController> {
  const control = { client: o.client, events: createEventRecorder(o.client, { component: 'daemonset-controller' }), creations: o.podCreations ?? newPodCreationBudget() };
  const ctx: Context = { client: o.client, control, now: o.now ?? (() => new Date()) };
  // Any node change may concern any DaemonSet: the keys seen so far are all re-examined.
  const known = new Set<string>();
  return runController(
    {
      name: 'daemonset',
      client: o.client,
      for: daemonSetsType,
      watches: [
        { type: podsType, keyOf: ownerKeyOf('DaemonSet') },
        { type: nodesType, keyOf: () => [...known] },
      ],
      reconcile: async (key) => {
        const result = await reconcileDaemonSet(ctx, key);
        if (result === 'gone') known.delete(key);
        else known.add(key);
        return result === 'gone' ? undefined : result;
      },
      onError: o.onError,
    },
    signal,
  );
}

const started = (p: KObject) => (p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : 0);
/** The pod kept when a node has several: running before pending, then the oldest. */
const keepFirst = (a: KObject, b: KObject) => Number(podPhase(b) === 'Running') - Number(podPhase(a) === 'Running') || started(a) - started(b);

async function reconcileDaemonSet(ctx: Context, key: string): Promise<ReconcileResult | void | 'gone'> {
  const { namespace, name } = splitKey(key);
  const ds = await getIfExists(ctx.client, daemonSetsType, namespace, name);
  if (!ds) return 'gone';
  const spec = ds.spec as DaemonSetSpec;
  const status = (ds.status ?? {}) as DaemonSetStatus;
  const hash = templateHash(spec.template, status.collisionCount ?? 0);
  const nodes = (await ctx.client.list(nodesType)).items;
  const matches = selectorOf(spec.selector);
  const claim = async () => claimObjects({ client: ctx.client, type: podsType, owner: ds, objects: (await ctx.client.list(podsType, { namespace })).items, matches: (p) => matches(p.metadata.labels) });
  let pods = await claim();

  if (!ds.metadata.deletionTimestamp) {
    const changed = await manage(ctx, ds, nodes, pods, hash);
    if (!changed && (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') await rollingUpdate(ctx, ds, nodes, pods, hash);
    pods = await claim();
  }
  return updateStatus(ctx, ds, nodes, pods, hash);
}

function podsByNode(pods: KObject[]): Map<string, KObject[]> {
  const byNode = new Map<string, KObject[]>();
  for (const p of pods) {
    const node = targetNodeOf(p);
    if (!node) continue;
    byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  return byNode;
}

/** Creates missing pods and deletes those that should not be where they are. True when it acted. */
async function manage(ctx: Context, ds: KObject, nodes: KObject[], pods: KObject[], hash: string): Promise<boolean> {
  const template = (ds.spec as DaemonSetSpec).template;
  const byNode = podsByNode(pods);
  const needPods: string[] = [];
  const doomed: KObject[] = [];
  for (const node of nodes) {
    const nodeName = node.metadata.name!;
    const here = byNode.get(nodeName) ?? [];
    const place = placementOn(node, template.spec);
    if (place.shouldRun && here.length === 0) needPods.push(nodeName);
    else if (place.shouldContinueRunning) {
      const running: KObject[] = [];
      for (const p of here) {
        if (isTerminating(p)) continue;
        if (podPhase(p) === 'Failed') {
          ctx.control.events.warning(ds, 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${nodeName}, will try to kill it`);
          doomed.push(p);
        } else if (podPhase(p) === 'Succeeded') doomed.push(p);
        else running.push(p);
      }
      doomed.push(...running.sort(keepFirst).slice(1));
    } else {
      doomed.push(...here.filter((p) => !isTerminating(p)));
    }
  }
  // Pods for nodes that no longer exist and were never bound (bound ones are the pod GC's).
  const nodeNames = new Set(nodes.map((n) => n.metadata.name));
  for (const [nodeName, here] of byNode) {
    if (!nodeNames.has(nodeName)) doomed.push(...here.filter((p) => !isTerminating(p) && !(p.spec as PodSpec).nodeName));
  }
  return (await syncNodes(ctx, ds, doomed, needPods, hash)) > 0;
}

/** Deletes `doomed` and creates a pod for each node in `needPods`; returns how many writes it made. */
async function syncNodes(ctx: Context, ds: KObject, doomed: KObject[], needPods: string[], hash: string): Promise<number> {
  const template = (ds.spec as DaemonSetSpec).template;
  const created = await slowStartBatch(needPods.length, async (i) => {
    const spec = withDaemonTolerations(template.spec ?? ({} as PodSpec));
    spec.affinity = pinnedAffinity(spec.affinity, needPods[i]);
    const pinned: PodTemplateSpec = { metadata: template.metadata, spec };
    await createOwnedPod(ctx.control, ds, podFromTemplate(ds, pinned, { generateName: `${ds.metadata.name}-`, labels: { [CONTROLLER_REVISION_HASH]: hash } }));
  });
  const deleted = await Promise.allSettled(doomed.map((p) => deleteOwnedPod(ctx.control, ds, p)));
  const failed = deleted.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (created.error) throw created.error;
  if (failed) throw failed.reason;
  return created.succeeded + doomed.length;
}

function limits(ds: KObject, desired: number): { maxUnavailable: number; maxSurge: number } {
  const ru = (ds.spec as DaemonSetSpec).updateStrategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge as number | string | undefined, desired, true);
  let maxUnavailable = scaledValue((ru.maxUnavailable ?? 1) as number | string, desired, true);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxUnavailable, maxSurge };
}

/**
 * Replaces old pods node by node: an old pod that is not available goes at once; available ones go
 * while fewer than maxUnavailable nodes lack an available pod. The next pass creates their successors.
 * maxSurge is not honoured: nodes are always replaced by deleting first.
 */
async function rollingUpdate(ctx: Context, ds: KObject, nodes: KObject[], pods: KObject[], hash: string): Promise<void> {
  const spec = ds.spec as DaemonSetSpec;
  const now = ctx.now();
  const minReady = spec.minReadySeconds ?? 0;
  const byNode = podsByNode(pods);
  const desired = nodes.filter((n) => placementOn(n, spec.template.spec).shouldRun);
  const { maxUnavailable } = limits(ds, desired.length);
  let unavailable = 0;
  const replaceNow: KObject[] = [];
  const candidates: KObject[] = [];
  for (const node of desired) {
    const here = (byNode.get(node.metadata.name!) ?? []).filter((p) => !isTerminating(p));
    const fresh = here.filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash);
    const old = here.filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== hash);
    if (fresh.length > 1 || old.length > 1 || fresh.length === old.length) {
      unavailable++;
      continue;
    }
    if (fresh.length === 1) {
      if (msUntilAvailable(fresh[0], minReady, now) !== 0) unavailable++;
      continue;
    }
    if (msUntilAvailable(old[0], minReady, now) !== 0) replaceNow.push(old[0]);
    else if (unavailable < maxUnavailable) candidates.push(old[0]);
  }
  const room = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
  await syncNodes(ctx, ds, [...replaceNow, ...candidates.slice(0, room)], [], hash);
}

async function updateStatus(ctx: Context, ds: KObject, nodes: KObject[], pods: KObject[], hash: string): Promise<ReconcileResult | void> {
  const spec = ds.spec as DaemonSetSpec;
  const now = ctx.now();
  const minReady = spec.minReadySeconds ?? 0;
  const byNode = podsByNode(pods.filter((p) => !(isTerminating(p) && ['Succeeded', 'Failed'].includes(podPhase(p)))));
  const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 };
  let soonest: number | undefined;
  for (const node of nodes) {
    const here = byNode.get(node.metadata.name!) ?? [];
    const place: Placement = placementOn(node, spec.template.spec);
    if (!place.shouldRun) {
      if (here.length > 0) counts.misscheduled++;
      continue;
    }
    counts.desired++;
    if (here.length === 0) continue;
    counts.current++;
    const pod = [...here].sort(keepFirst)[0];
    if (isReady(pod)) {
      counts.ready++;
      const wait = msUntilAvailable(pod, minReady, now);
      if (wait === 0) counts.available++;
      else if (wait !== undefined) soonest = Math.min(soonest ?? Infinity, wait);
    }
    if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) counts.updated++;
  }
  const prev = (ds.status ?? {}) as DaemonSetStatus;
  const next: DaemonSetStatus = {
    currentNumberScheduled: counts.current,
    numberMisscheduled: counts.misscheduled,
    desiredNumberScheduled: counts.desired,
    numberReady: counts.ready,
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: counts.updated,
    numberAvailable: counts.available,
    numberUnavailable: counts.desired - counts.available,
    ...(prev.collisionCount !== undefined ? { collisionCount: prev.collisionCount } : {}),
    ...(prev.conditions ? { conditions: prev.conditions } : {}),
  };
  await writeStatus(ctx.client, daemonSetsType, ds, next);
  if (soonest !== undefined) return { requeueAfterMs: soonest + 50 };
}

