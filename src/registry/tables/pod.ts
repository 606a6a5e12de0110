// `kubectl get pods`: READY, the aggregate STATUS and RESTARTS computed the way kube-apiserver 1.32 does.
import type { Pod, ContainerStatus, Container, PodCondition } from 'kubernetes-types/core/v1.js';
import type { KObject, TableConvertor } from '../types.js';
import { ageOf } from './age.js';
import { ageColumn, column, int, nameColumn } from './common.js';
import { doc } from './docs.js';

const columns = [
  nameColumn(),
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  ageColumn(),
  column('IP', 'string', doc['PodStatus.podIP'], { wide: true }),
  column('Node', 'string', doc['PodSpec.nodeName'], { wide: true }),
  column('Nominated Node', 'string', doc['PodStatus.nominatedNodeName'], { wide: true }),
  column('Readiness Gates', 'string', doc['PodSpec.readinessGates'], { wide: true }),
];

/** Sidecars: init containers that keep running alongside the main ones. */
const isSidecar = (c: Container | undefined): boolean => c?.restartPolicy === 'Always';

const conditionTrue = (conds: PodCondition[] | undefined, type: string): boolean =>
  (conds ?? []).some((c) => c.type === type && c.status === 'True');

function timeOf(ts: string | undefined): number {
  if (!ts) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** Latest `lastState.terminated.finishedAt` across the given statuses. */
function latestFinish(statuses: ContainerStatus[], start: number): number {
  let latest = start;
  for (const s of statuses) latest = Math.max(latest, timeOf(s.lastState?.terminated?.finishedAt));
  return latest;
}

function terminatedText(t: { reason?: string; signal?: number; exitCode: number }, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

export interface PodSummary { ready: string; status: string; restarts: number; lastRestart: number }

export function summarizePod(pod: Pod): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const initSpecs = spec.initContainers ?? [];
  const initByName = new Map(initSpecs.map((c) => [c.name, c]));

  const total = (spec.containers ?? []).length + initSpecs.filter(isSidecar).length;
  let ready = 0;
  let reason = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initStatuses = status.initContainerStatuses ?? [];
  const sidecarStatuses = initStatuses.filter((s) => isSidecar(initByName.get(s.name)));
  let restarts = initStatuses.reduce((n, s) => n + int(s.restartCount), 0);
  let lastRestart = latestFinish(initStatuses, Number.NEGATIVE_INFINITY);

  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const s = initStatuses[i]!;
    const term = s.state?.terminated;
    if (term && int(term.exitCode) === 0) continue;
    if (isSidecar(initByName.get(s.name)) && s.started === true) {
      if (s.ready) ready++;
      continue;
    }
    initializing = true;
    if (term) reason = terminatedText(term, 'Init:');
    else if (s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing') reason = `Init:${s.state.waiting.reason}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    // Once initialized, only sidecars' restarts still matter among init containers.
    restarts = sidecarStatuses.reduce((n, s) => n + int(s.restartCount), 0);
    lastRestart = latestFinish(sidecarStatuses, Number.NEGATIVE_INFINITY);
    const statuses = status.containerStatuses ?? [];
    let hasRunning = false;
    for (let i = statuses.length - 1; i >= 0; i--) {
      const s = statuses[i]!;
      restarts += int(s.restartCount);
      lastRestart = Math.max(lastRestart, timeOf(s.lastState?.terminated?.finishedAt));
      const st = s.state;
      if (st?.waiting?.reason) reason = st.waiting.reason;
      else if (st?.terminated) reason = terminatedText(st.terminated, '');
      else if (s.ready && st?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === 'NodeLost') reason = 'Unknown';
    else if (status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  }

  return { ready: `${ready}/${total}`, status: reason, restarts, lastRestart };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conds = pod.status?.conditions ?? [];
  const ok = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${ok}/${gates.length}`;
}

export const podTable: TableConvertor = {
  columns,
  cells(obj: KObject, now: Date) {
    const pod = obj as unknown as Pod;
    const sum = summarizePod(pod);
    let restarts = String(sum.restarts);
    if (sum.restarts !== 0 && Number.isFinite(sum.lastRestart)) {
      restarts = `${sum.restarts} (${ageOf(new Date(sum.lastRestart).toISOString(), now)} ago)`;
    }
    return [
      obj.metadata.name ?? '',
      sum.ready,
      sum.status,
      restarts,
      ageOf(obj.metadata.creationTimestamp, now),
      (pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP) || '<none>',
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ];
  },
};
