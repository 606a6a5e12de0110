// The checks a node must pass to take a pod, in kube-scheduler's order; the first that fails is the
// node's reason in the FailedScheduling message. The reason strings are kube-scheduler 1.32's,
// because users search for them. `unresolvable` marks failures that taking pods off the node could
// never fix (preemption would not help), which the message's preemption part reports.
import type { NodeInfo } from './node-info.js';
import { nodeMatchesRequired } from './node-affinity.js';
import type { PodInfo } from './pod-info.js';
import { firstUntoleratedTaint, toleratedBy } from './taints.js';

export interface FilterFailure {
  plugin: string;
  reasons: string[];
  unresolvable: boolean;
}

export interface Filter {
  name: string;
  check(pod: PodInfo, node: NodeInfo): FilterFailure | undefined;
}

export const reasons = {
  unschedulable: 'node(s) were unschedulable',
  nodeName: "node(s) didn't match the requested node name",
  affinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  taint: (key: string, value: string) => `node(s) had untolerated taint {${key}: ${value}}`,
  insufficient: (resource: string) => `Insufficient ${resource}`,
};

const fail = (plugin: string, unresolvable: boolean, ...why: string[]): FilterFailure => ({ plugin, reasons: why, unresolvable });

/** A cordoned node takes only pods that tolerate the unschedulable taint it stands for. */
export const nodeUnschedulable: Filter = {
  name: 'NodeUnschedulable',
  check(pod, node) {
    if (!node.unschedulable) return undefined;
    if (toleratedBy(pod.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return undefined;
    return fail('NodeUnschedulable', true, reasons.unschedulable);
  },
};

export const nodeName: Filter = {
  name: 'NodeName',
  check(pod, node) {
    return pod.nodeName !== '' && pod.nodeName !== node.name ? fail('NodeName', true, reasons.nodeName) : undefined;
  },
};

export const taintToleration: Filter = {
  name: 'TaintToleration',
  check(pod, node) {
    const taint = firstUntoleratedTaint(node.taints, pod.tolerations);
    return taint ? fail('TaintToleration', true, reasons.taint(taint.key, taint.value ?? '')) : undefined;
  },
};

export const nodeAffinity: Filter = {
  name: 'NodeAffinity',
  check(pod, node) {
    if (!pod.required.nodeSelector && !pod.required.terms) return undefined;
    return node.node && nodeMatchesRequired(pod.required, node.node) ? undefined : fail('NodeAffinity', true, reasons.affinity);
  },
};

export const nodePorts: Filter = {
  name: 'NodePorts',
  check(pod, node) {
    return pod.hostPorts.some((hp) => node.portInUse(hp)) ? fail('NodePorts', false, reasons.ports) : undefined;
  },
};

/** Every shortfall is listed (a node can lack both cpu and memory), pods first, as upstream. */
export const nodeResourcesFit: Filter = {
  name: 'NodeResourcesFit',
  check(pod, node) {
    const why: string[] = [];
    const alloc = node.allocatable;
    const used = node.requested;
    if (node.pods.size + 1 > alloc.pods) why.push(reasons.tooManyPods);
    const req = pod.requests;
    if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) why.push(reasons.insufficient('cpu'));
    if (req.memory > 0 && req.memory > alloc.memory - used.memory) why.push(reasons.insufficient('memory'));
    if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) why.push(reasons.insufficient('ephemeral-storage'));
    for (const [name, want] of Object.entries(req.scalar ?? {})) {
      if (want > 0 && want > (alloc.scalar?.[name] ?? 0) - (used.scalar?.[name] ?? 0)) why.push(reasons.insufficient(name));
    }
    return why.length ? fail('NodeResourcesFit', false, ...why) : undefined;
  },
};

export const filters: readonly Filter[] = [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit];

export function runFilters(pod: PodInfo, node: NodeInfo): FilterFailure | undefined {
  for (const f of filters) {
    const failure = f.check(pod, node);
    if (failure) return failure;
  }
  return undefined;
}
