// The denominator of a percentage budget and of maxUnavailable: the replicas the pods' controllers
// want, each controller counted once. A ReplicaSet run by a Deployment counts as the Deployment
// (during a rollout both ReplicaSets' pods belong to one scale). Pods without a controller are
// left out and reported; a controller without a scale makes the count impossible (an error).
import { getIfExists, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { controllerRefOf, type OwnerReference } from '../workloads/controller-ref.js';
import { deploymentsType, replicaSetsType } from '../workloads/resources.js';

const replicationControllersType: ResourceType = { group: '', version: 'v1', resource: 'replicationcontrollers' };
const groupOf = (apiVersion: string | undefined) => (apiVersion?.includes('/') ? apiVersion.split('/')[0]! : '');

/** Kinds we serve whose objects own pods but have no scale subresource, as upstream names them. */
const withoutScale: Record<string, string> = { 'batch/Job': 'jobs.batch', 'apps/DaemonSet': 'daemonsets.apps' };

interface Scaled {
  uid: string;
  replicas: number;
}

export async function controllersScale(client: Client, pods: KObject[]): Promise<{ scale: number; unmanaged: string[] }> {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name!);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = await scaleOf(client, ref, pod.metadata.namespace);
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.replicas);
  }
  let scale = 0;
  for (const n of scales.values()) scale += n;
  return { scale, unmanaged };
}

async function scaleOf(client: Client, ref: OwnerReference, namespace: string | undefined): Promise<Scaled | undefined> {
  const group = groupOf(ref.apiVersion);
  if (ref.kind === 'ReplicaSet' && group === 'apps') {
    const rs = await owned(client, replicaSetsType, namespace, ref);
    if (!rs) return undefined;
    const up = controllerRefOf(rs);
    if (up?.kind === 'Deployment' && groupOf(up.apiVersion) === 'apps') {
      const deployment = await owned(client, deploymentsType, namespace, up);
      return deployment ? { uid: deployment.metadata.uid!, replicas: replicasOf(deployment) } : undefined;
    }
    return { uid: rs.metadata.uid!, replicas: replicasOf(rs) };
  }
  if (ref.kind === 'Deployment' && group === 'apps') {
    const deployment = await owned(client, deploymentsType, namespace, ref);
    return deployment ? { uid: deployment.metadata.uid!, replicas: replicasOf(deployment) } : undefined;
  }
  if (ref.kind === 'ReplicationController' && group === '') {
    const rc = await owned(client, replicationControllersType, namespace, ref);
    return rc ? { uid: rc.metadata.uid!, replicas: replicasOf(rc) } : undefined;
  }
  const resource = withoutScale[`${group}/${ref.kind}`];
  if (resource) throw new Error(`${resource} does not implement the scale subresource`);
  throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
}

const replicasOf = (obj: KObject) => Number((obj.spec as { replicas?: number } | undefined)?.replicas ?? 1);

async function owned(client: Client, type: ResourceType, namespace: string | undefined, ref: OwnerReference): Promise<KObject | undefined> {
  const obj = await getIfExists(client, type, namespace, ref.name);
  return obj && obj.metadata.uid === ref.uid ? obj : undefined;
}
