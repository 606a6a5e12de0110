// Defaults kube-apiserver fills into every PodSpec (Pods and workload templates alike).
import type { Container, PodSpec, Probe } from 'kubernetes-types/core/v1.js';
import { asArray, isObject } from '../validation/common.js';

/** Always for `:latest` or untagged images, IfNotPresent for anything pinned by tag or digest. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) p.httpGet.scheme ??= 'HTTP';
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const port of asArray<NonNullable<Container['ports']>[number]>(c.ports)) {
    port.protocol ??= 'TCP';
    if (hostNetwork && port.hostPort === undefined) port.hostPort = port.containerPort;
  }
  for (const e of asArray<NonNullable<Container['env']>[number]>(c.env)) {
    if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

const FILE_MODE = 0o644; // 420, as upstream defaults projected files

function defaultVolume(v: Record<string, unknown>): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected'] as const) {
    const src = v[key];
    if (isObject(src)) src.defaultMode ??= FILE_MODE;
  }
  if (isObject(v.hostPath)) v.hostPath.type ??= '';
  if (isObject(v.downwardAPI)) {
    for (const item of asArray<Record<string, unknown>>(v.downwardAPI.items)) {
      if (isObject(item.fieldRef)) item.fieldRef.apiVersion ??= 'v1';
    }
  }
}

export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  // The deprecated alias is kept in step with serviceAccountName, as the v1 conversion does.
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  else if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of asArray<Container>(spec.initContainers)) defaultContainer(c, hostNetwork);
  for (const c of asArray<Container>(spec.containers)) defaultContainer(c, hostNetwork);
  for (const v of asArray<Record<string, unknown>>(spec.volumes)) if (isObject(v)) defaultVolume(v);
}
