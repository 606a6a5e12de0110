// The node's heartbeat Lease (kube-node-lease/<node>): cheap to renew, so the node lifecycle
// controller can tell a live node from a dead one without a full status write every few seconds.
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { apiMicroTime } from './node-conditions.js';

export const leasesType: ResourceType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
export const nodeLeaseNamespace = 'kube-node-lease';

export interface NodeLeaseOptions {
  client: Client;
  nodeName: string;
  /** The Node's uid, for the owner reference: the lease goes when the Node does. */
  nodeUid: string;
  leaseDurationSeconds: number;
}

/** Creates the lease or renews it; call again every renew interval. */
export async function renewNodeLease(o: NodeLeaseOptions, now = new Date()): Promise<void> {
  const spec = { holderIdentity: o.nodeName, leaseDurationSeconds: o.leaseDurationSeconds, renewTime: apiMicroTime(now) };
  try {
    await o.client.patch(leasesType, nodeLeaseNamespace, o.nodeName, { type: 'merge', body: { spec } });
    return;
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
  }
  const lease: KObject = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: o.nodeName,
      namespace: nodeLeaseNamespace,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: o.nodeName, uid: o.nodeUid }],
    },
    spec,
  };
  try {
    await o.client.create(leasesType, lease);
  } catch (err) {
    // Another writer created it in between: the next renewal patches it.
    if (!hasReason(err, 'AlreadyExists')) throw err;
  }
}
