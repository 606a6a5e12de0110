// A StatefulSet pod's identity: its name `<set>-<ordinal>`, the labels that name it, its host name
// under the governing Service, and the claims `<template>-<set>-<ordinal>` its volumes point at.
import type { StatefulSetSpec } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../../registry/types.js';
import { controllerRefTo } from '../controller-ref.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

/** The ordinal of a pod named `<set>-<n>`, or undefined when the name is not of that form. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const tail = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(tail) ? Number(tail) : undefined;
}

export const podNameOf = (setName: string, ordinal: number) => `${setName}-${ordinal}`;
export const claimNameOf = (template: string, setName: string, ordinal: number) => `${template}-${setName}-${ordinal}`;

const templatesOf = (set: KObject) => ((set.spec as StatefulSetSpec).volumeClaimTemplates ?? []) as PersistentVolumeClaim[];

/** The pod for `ordinal` from `template` (the revision's), controlled by the set. */
export function podFor(set: KObject, template: PodTemplateSpec, ordinal: number, revision: string): KObject {
  const setName = set.metadata.name!;
  const name = podNameOf(setName, ordinal);
  const spec = structuredClone(template.spec ?? { containers: [] });
  // Each claim template replaces a pod volume of the same name, as upstream.
  const claimVolumes: Volume[] = templatesOf(set).map((t) => ({ name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimNameOf(t.metadata?.name ?? '', setName, ordinal) } }));
  const names = new Set(claimVolumes.map((v) => v.name));
  spec.volumes = [...(spec.volumes ?? []).filter((v) => !names.has(v.name)), ...claimVolumes];
  if (spec.volumes.length === 0) delete spec.volumes;
  spec.hostname = name;
  const serviceName = (set.spec as StatefulSetSpec).serviceName;
  if (serviceName) spec.subdomain = serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRefTo(set)],
    },
    spec,
  };
}

/** The claims a pod of `ordinal` needs. With whenDeleted: Delete the set owns them, so they go with it. */
export function claimsFor(set: KObject, ordinal: number): KObject[] {
  const spec = set.spec as StatefulSetSpec;
  const deleteWithSet = spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
  return templatesOf(set).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimNameOf(t.metadata?.name ?? '', set.metadata.name!, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ...(deleteWithSet ? { ownerReferences: [{ ...controllerRefTo(set), controller: false }] } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}
