// The scheduler: watches Nodes and Pods into a cache, takes waiting pods off the queue one at a
// time, picks a node for each (a synchronous, in-memory decision), assumes the pod onto it and
// writes the binding in the background, many bindings in flight at once. See flow.md for why.
import { hasReason, type Client } from '../client/types.js';
import { listAndWatch } from '../client/list-watch.js';
import { place } from './place.js';
import type { PodInfo } from './pod-info.js';
import { SchedulingQueue } from './queue.js';
import { createReporter } from './report.js';
import { countError, startAttempt } from './metrics.js';
import { defaultSchedulerName, SchedulerState } from './state.js';
import { selectNodeForClaims } from './select-node.js';
import { VolumeState } from './volume-binding.js';
import { findPreemption } from './preemption.js';
import type { Filter } from './filters.js';

export interface SchedulerOptions {
  client: Client;
  /** Pods naming this scheduler in spec.schedulerName are placed; default 'default-scheduler'
   *  (which also takes pods that name none). */
  schedulerName?: string;
  onError?(err: unknown): void;
  /** Bindings written at once; default 256. */
  bindConcurrency?: number;
  /** Backoff after a failed attempt, doubling per failure: default 1 s up to 10 s. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A pod that fits nowhere is tried again after this long even if nothing changed; default 60 s. */
  retryUnschedulableMs?: number;
  /** Pause before listing again after a broken watch; default 1 s. */
  relistDelayMs?: number;
  /** For tests: how ties between equally good nodes are broken. */
  random?: () => number;
}

export interface RunningScheduler {
  /** Resolves after `signal` aborted, once the bindings in flight have finished. */
  readonly stopped: Promise<void>;
}

const podsType = { group: '', version: 'v1', resource: 'pods' };
const nodesType = { group: '', version: 'v1', resource: 'nodes' };
const claimsType = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const volumesType = { group: '', version: 'v1', resource: 'persistentvolumes' };
const classesType = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };

/** Decisions made per event-loop turn before letting watch events and finished bindings in. */
const decisionsPerTurn = 64;

/** Runs until `signal` aborts; resolves once its watches are established. */
export async function runScheduler(opts: SchedulerOptions, signal: AbortSignal): Promise<RunningScheduler> {
  const { client } = opts;
  const report = (err: unknown) => {
    try {
      opts.onError?.(err);
    } catch {
      // an error reporter that throws must not take the scheduler down
    }
  };
  const bindConcurrency = Math.max(1, opts.bindConcurrency ?? 256);
  const random = opts.random ?? Math.random;

  let inFlight = 0;
  let pumpQueued = false;
  let idle: (() => void) | undefined;
  const wake = () => {
    if (pumpQueued || signal.aborted) return;
    pumpQueued = true;
    setImmediate(pump);
  };

  const queue = new SchedulingQueue({
    initialBackoffMs: opts.initialBackoffMs,
    maxBackoffMs: opts.maxBackoffMs,
    retryUnschedulableMs: opts.retryUnschedulableMs,
    onActive: wake,
  });
  const state = new SchedulerState(queue, opts.schedulerName ?? defaultSchedulerName);
  const volumeState = new VolumeState();
  const reporter = createReporter(client, state.schedulerName, report);

  const bind = async (pod: PodInfo, nodeName: string) => {
    try {
      await client.createSubresource(podsType, pod.namespace, pod.name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
      queue.done(pod.uid);
      reporter.scheduled(pod, nodeName);
    } catch (err) {
      state.cache.forget(pod.uid);
      if (hasReason(err, 'NotFound')) {
        state.podGone(pod.uid);
        return;
      }
      // A Conflict means the pod moved on (bound elsewhere, being deleted, replaced by another with
      // its name): the watch brings the news, and a retry of a pod that is no longer waiting is a
      // no-op. Anything else is worth telling the user about.
      if (!hasReason(err, 'Conflict')) {
        report(err);
        reporter.bindingFailed(pod, err);
      }
      queue.retry(pod.uid);
    }
  };

  /** Pods being removed for a preemptor, so the next attempt does not pick them again. */
  const evicting = new Set<string>();
  const preempt = (pod: PodInfo, filter?: Filter) => {
    const found = findPreemption(pod, state.cache.nodeList(), filter);
    if (!found || found.victims.some((v) => evicting.has(v.uid))) return;
    reporter.preempting(pod, found.node.name, found.victims);
    for (const v of found.victims) {
      evicting.add(v.uid);
      // The victim's deletion frees the node, which wakes the parked preemptor (flow.md).
      client
        .delete(podsType, v.namespace, v.name, { preconditions: { uid: v.uid } })
        .catch((err) => {
          if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) report(err);
        })
        .finally(() => setTimeout(() => evicting.delete(v.uid), 30_000).unref());
    }
  };

  const scheduleOne = (pod: PodInfo) => {
    const attempt = startAttempt();
    const volumes = volumeState.verdict(pod);
    const result = place(pod, state.cache.nodeList(), random, 'unschedulable' in volumes ? { preFilterMsg: volumes.unschedulable } : { filter: volumes.filter });
    if ('unschedulable' in result) {
      attempt('unschedulable');
      queue.unschedulable(pod.uid);
      reporter.unschedulable(pod, result.unschedulable);
      if (!('unschedulable' in volumes)) preempt(pod, 'filter' in volumes ? volumes.filter : undefined);
      return;
    }
    attempt('scheduled');
    state.cache.assume(pod, result.node.name);
    inFlight++;
    const selectNode = 'selectNode' in volumes ? volumes.selectNode : [];
    const claimsNoted = selectNodeForClaims(client, selectNode, result.node.name).then(
      () => true,
      (err) => {
        state.cache.forget(pod.uid);
        report(err);
        queue.retry(pod.uid);
        return false;
      },
    );
    void claimsNoted
      .then((ok) => (ok ? bind(pod, result.node.name) : undefined))
      .finally(() => {
        inFlight--;
        if (inFlight === 0) idle?.();
        wake();
      });
  };

  function pump(): void {
    pumpQueued = false;
    if (signal.aborted) return;
    for (let n = 0; n < decisionsPerTurn; n++) {
      if (inFlight >= bindConcurrency) return; // a finished binding wakes us
      const uid = queue.pop();
      if (uid === undefined) return;
      const pod = state.pending.get(uid);
      if (!pod) {
        queue.delete(uid);
        continue;
      }
      try {
        scheduleOne(pod);
      } catch (err) {
        countError();
        report(err);
        queue.retry(uid);
      }
    }
    wake();
  }

  const stopped = new Promise<void>((resolve) => {
    const finish = () => {
      queue.close();
      if (inFlight === 0) resolve();
      else idle = resolve;
    };
    if (signal.aborted) finish();
    else signal.addEventListener('abort', finish, { once: true });
  });

  const informer = { client, onError: report, retryMs: opts.relistDelayMs };
  // A claim, volume or class that appears or changes may be what an unschedulable pod waits for.
  for (const [kind, type] of [['claim', claimsType], ['volume', volumesType], ['class', classesType]] as const) {
    await listAndWatch({ ...informer, type, onList: (items) => volumeState.replace(kind, items), onEvent: (ev) => volumeState.onEvent(kind, ev) && queue.moveAllToActive() }, signal);
  }
  await listAndWatch({ ...informer, type: nodesType, onList: (items) => state.replaceNodes(items), onEvent: (ev) => state.onNodeEvent(ev) }, signal);
  await listAndWatch({ ...informer, type: podsType, onList: (items) => state.replacePods(items), onEvent: (ev) => state.onPodEvent(ev) }, signal);
  wake();
  return { stopped };
}
