// Registers the Node: creates it, or, when it already exists (an agent restarting; the server has
// already checked that this agent owns the name), brings its labels and status up to date. Taints
// are set at registration only, as the kubelet's --register-with-taints: an admin's later changes stay.
import type { Node, NodeCondition, NodeSystemInfo, Taint } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { goArch, systemUUID, type HostInfo, type NodeResources } from './node-info.js';

export const nodesType: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

export interface NodeIdentity {
  nodeName: string;
  nodeIP: string;
  hostname: string;
  labels: Record<string, string>;
  taints: Taint[];
  kubeletVersion: string;
  /** e.g. sim://0.1.0 */
  containerRuntimeVersion: string;
  resources: NodeResources;
  host: HostInfo;
  /** Annotations the kubelet owns on its Node (e.g. where its local volumes live). */
  annotations?: Record<string, string>;
}

export const kubeletPort = 10250;

export function nodeLabels(id: NodeIdentity): Record<string, string> {
  const arch = goArch();
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': id.hostname,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': 'k3ts',
    ...id.labels,
  };
}

export function nodeInfo(id: NodeIdentity): NodeSystemInfo {
  return {
    architecture: goArch(),
    bootID: id.host.bootID,
    containerRuntimeVersion: id.containerRuntimeVersion,
    kernelVersion: id.host.kernelVersion,
    // kube-proxy's version field is still filled in 1.32 (DisableNodeKubeProxyVersion is off).
    kubeProxyVersion: id.kubeletVersion,
    kubeletVersion: id.kubeletVersion,
    machineID: id.host.machineID,
    operatingSystem: 'linux',
    osImage: id.host.osImage,
    systemUUID: systemUUID(id.host, id.nodeName),
  };
}

/** The status fields the kubelet owns, other than conditions. */
export function nodeStatusFields(id: NodeIdentity) {
  return {
    addresses: [
      { type: 'InternalIP', address: id.nodeIP },
      { type: 'Hostname', address: id.hostname },
    ],
    capacity: id.resources.capacity,
    allocatable: id.resources.allocatable,
    daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
    nodeInfo: nodeInfo(id),
  };
}

/** Returns the Node as stored after registration. */
export async function registerNode(client: Client, id: NodeIdentity, conditions: NodeCondition[]): Promise<KObject> {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.nodeName,
      labels: nodeLabels(id),
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...(id.annotations ?? {}) },
    },
    spec: id.taints.length ? { taints: id.taints } : {},
    status: { ...nodeStatusFields(id), conditions },
  };
  try {
    return await client.create(nodesType, node as KObject);
  } catch (err) {
    if (!hasReason(err, 'AlreadyExists')) throw err;
  }
  await client.patch(nodesType, undefined, id.nodeName, { type: 'merge', body: { metadata: { labels: nodeLabels(id), ...(id.annotations ? { annotations: id.annotations } : {}) } } });
  return client.patch(nodesType, undefined, id.nodeName, { type: 'strategic', body: { status: { ...nodeStatusFields(id), conditions } } }, { subresource: 'status' });
}
