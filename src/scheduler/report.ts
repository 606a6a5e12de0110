// What users see of a decision: the Scheduled and FailedScheduling events, and the pod's
// PodScheduled=False condition with the same message (what `kubectl describe pod` and
// `kubectl get pod -o wide` show while a pod is Pending), written as kube-scheduler writes them.
import type { PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { createEventRecorder, type EventRecorder } from '../client/events.js';
import { hasReason, type Client } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import type { PodInfo } from './pod-info.js';

const podsType = { group: '', version: 'v1', resource: 'pods' };

export interface Reporter {
  scheduled(pod: PodInfo, nodeName: string): void;
  unschedulable(pod: PodInfo, message: string): void;
  /** A binding the API refused for a reason other than the pod having moved on. */
  bindingFailed(pod: PodInfo, err: unknown): void;
  /** Lower-priority pods are being removed to make room on `nodeName` (status.nominatedNodeName). */
  preempting(pod: PodInfo, nodeName: string, victims: readonly PodInfo[]): void;
}

const asPod = (p: PodInfo): KObject => ({ ...p.pod, apiVersion: 'v1', kind: 'Pod' });
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createReporter(client: Client, component: string, onError: (err: unknown) => void): Reporter {
  const events: EventRecorder = createEventRecorder(client, { component }, onError);

  const setCondition = (p: PodInfo, reason: string, message: string) => {
    const prior = ((p.pod.status ?? {}) as PodStatus).conditions?.find((c) => c.type === 'PodScheduled');
    if (prior?.status === 'False' && prior.reason === reason && prior.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      // The transition happened when the pod first failed, not at every retry.
      lastTransitionTime: prior?.status === 'False' && prior.lastTransitionTime ? prior.lastTransitionTime : now(),
    };
    client
      .patch(podsType, p.namespace, p.name, { type: 'strategic', body: { status: { conditions: [condition] } } }, { subresource: 'status' })
      .catch((err) => {
        if (!hasReason(err, 'NotFound')) onError(err);
      });
  };

  return {
    scheduled(p, nodeName) {
      events.normal(asPod(p), 'Scheduled', `Successfully assigned ${p.namespace}/${p.name} to ${nodeName}`);
    },
    unschedulable(p, message) {
      events.warning(asPod(p), 'FailedScheduling', message);
      setCondition(p, 'Unschedulable', message);
    },
    preempting(p, nodeName, victims) {
      // Victims are told by whom, as upstream; the preemptor's own events stay FailedScheduling
      // until it lands.
      for (const v of victims) events.normal(asPod(v), 'Preempted', `Preempted by pod ${p.uid} on node ${nodeName}`);
      client
        .patch(podsType, p.namespace, p.name, { type: 'merge', body: { status: { nominatedNodeName: nodeName } } }, { subresource: 'status' })
        .catch((err) => {
          if (!hasReason(err, 'NotFound')) onError(err);
        });
    },
    bindingFailed(p, err) {
      const message = `Binding rejected: ${(err as Error)?.message ?? String(err)}`;
      events.warning(asPod(p), 'FailedScheduling', message);
      setCondition(p, 'SchedulerError', message);
    },
  };
}
