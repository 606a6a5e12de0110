// A pod spec in the runtime's terms: the sandbox (names, labels, host network, host ports, the log
// directory, pod-level security) and each container (command, env, mounts, cgroup resources,
// security context), as the upstream kubelet hands them to CRI.
import { podDnsConfig, type PodDnsInput, type PodDnsSettings } from '../dns/pod-dns.js';
import type { Container, Pod, SecurityContext } from 'kubernetes-types/core/v1.js';
import { join } from 'node:path';
import { parseQuantity } from '../registry/validation/quantity.js';
import type { ContainerConfig, ContainerResources, ContainerSecurity, KeyValue, Mount, PodSandboxConfig, PortMapping } from '../runtime/types.js';

/** The labels that tie runtime objects to their pod and container, as the upstream kubelet sets them. */
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

/** A DNS label of at most 63 characters: the pod name, cut at the first dot as upstream does. */
function hostnameOf(pod: Pod): string {
  const name = pod.spec?.hostname ?? pod.metadata!.name!;
  return name.split('.')[0]!.slice(0, 63).replace(/-+$/, '');
}

export function sandboxConfigOf(pod: Pod, o: { attempt: number; logRoot: string; dns?: PodDnsSettings }): PodSandboxConfig {
  const m = pod.metadata!;
  const spec = pod.spec!;
  const portMappings: PortMapping[] = [];
  for (const c of spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      portMappings.push({ protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  const psc = spec.securityContext ?? {};
  return {
    name: m.name!,
    namespace: m.namespace!,
    uid: m.uid!,
    attempt: o.attempt,
    hostname: hostnameOf(pod),
    labels: { ...(m.labels ?? {}), [POD_UID_LABEL]: m.uid!, [POD_NAME_LABEL]: m.name!, [POD_NAMESPACE_LABEL]: m.namespace! },
    annotations: { ...(m.annotations ?? {}) },
    hostNetwork: spec.hostNetwork === true,
    logDirectory: join(o.logRoot, `${m.namespace}_${m.name}_${m.uid}`),
    portMappings,
    ...(o.dns
      ? { dns: podDnsConfig({ ...o.dns, namespace: m.namespace!, dnsPolicy: spec.dnsPolicy as PodDnsInput['dnsPolicy'], hostNetwork: spec.hostNetwork === true, dnsConfig: spec.dnsConfig as PodDnsInput['dnsConfig'] }) }
      : {}),
    security: {
      ...(psc.runAsUser !== undefined ? { runAsUser: psc.runAsUser } : {}),
      ...(psc.runAsGroup !== undefined ? { runAsGroup: psc.runAsGroup } : {}),
      ...(psc.supplementalGroups?.length ? { supplementalGroups: psc.supplementalGroups } : {}),
    },
  };
}

/** cgroup v1 cpu.shares for a CPU request: 1024 per core, at least 2 (the kernel's minimum). */
export function cpuShares(milliCpu: number): number {
  return Math.max(2, Math.floor((milliCpu * 1024) / 1000));
}

const CFS_PERIOD_US = 100_000;

export function resourcesOf(c: Container): ContainerResources {
  const out: ContainerResources = {};
  const cpuRequest = parseQuantity(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu);
  out.cpuShares = cpuShares(cpuRequest !== undefined ? Math.round(cpuRequest * 1000) : 0);
  const cpuLimit = parseQuantity(c.resources?.limits?.cpu);
  if (cpuLimit !== undefined && cpuLimit > 0) {
    // At least 1 ms of the 100 ms period, as the kernel refuses less.
    out.cpuQuota = Math.max(1000, Math.round(cpuLimit * CFS_PERIOD_US));
    out.cpuPeriod = CFS_PERIOD_US;
  }
  const memoryLimit = parseQuantity(c.resources?.limits?.memory);
  if (memoryLimit !== undefined && memoryLimit > 0) out.memoryLimitBytes = Math.round(memoryLimit);
  return out;
}

export function securityOf(pod: Pod, c: Container): ContainerSecurity {
  const psc = pod.spec?.securityContext ?? {};
  const csc: SecurityContext = c.securityContext ?? {};
  const runAsUser = csc.runAsUser ?? psc.runAsUser;
  const runAsGroup = csc.runAsGroup ?? psc.runAsGroup;
  const groups = [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])];
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    ...(groups.length ? { supplementalGroups: groups } : {}),
    ...(csc.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    ...(csc.privileged ? { privileged: true } : {}),
    ...(csc.capabilities ? { capabilities: { add: csc.capabilities.add ?? [], drop: csc.capabilities.drop ?? [] } } : {}),
    ...(csc.allowPrivilegeEscalation !== undefined ? { allowPrivilegeEscalation: csc.allowPrivilegeEscalation } : {}),
  };
}

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  attempt: number;
  command: string[];
  args: string[];
  envs: KeyValue[];
  mounts: Mount[];
}

export function containerConfigOf(i: ContainerConfigInput): ContainerConfig {
  const m = i.pod.metadata!;
  const c = i.container;
  return {
    name: c.name,
    attempt: i.attempt,
    image: c.image ?? '',
    command: i.command,
    args: i.args,
    envs: i.envs,
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    labels: { [POD_NAME_LABEL]: m.name!, [POD_NAMESPACE_LABEL]: m.namespace!, [POD_UID_LABEL]: m.uid!, [CONTAINER_NAME_LABEL]: c.name },
    annotations: {},
    mounts: i.mounts,
    logPath: `${c.name}/${i.attempt}.log`,
    ...(c.stdin ? { stdin: true } : {}),
    ...(c.stdinOnce ? { stdinOnce: true } : {}),
    ...(c.tty ? { tty: true } : {}),
    resources: resourcesOf(c),
    security: securityOf(i.pod, c),
  };
}
