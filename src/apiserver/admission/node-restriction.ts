// The part of node authorization that needs the object: a kubelet may create only its own Node and
// its own Lease, and no pods at all (k3ts has no static pods).
import { errors } from '../errors.js';
import type { AdmissionPlugin } from '../resources/context.js';
import { nodeNameOf } from '../node-authorizer.js';
import { restrictedLabelChanges } from '../../registry/node-self-labels.js';
import { semanticEqual } from '../../registry/validation/common.js';
import type { AdmissionRequest } from '../resources/context.js';
import type { KObject } from '../../registry/types.js';

/** What a node may not change on its own Node: labels reserved to the cluster, and its taints
 *  (a node lifting its own taint would draw pods its admin kept away). Status is its to write. */
function checkOwnNode(req: AdmissionRequest, node: string): void {
  const ref = { group: '', resource: 'nodes' };
  const forbidden = (why: string) => errors.forbidden(`nodes "${node}" is forbidden: ${why}`, ref, node);
  const labels = restrictedLabelChanges(req.object.metadata.labels, req.old?.metadata.labels);
  if (labels.length > 0) {
    throw forbidden(req.old
      ? `node "${node}" is not allowed to modify labels: ${labels.join(', ')}`
      : `node "${node}" is not allowed to set the following labels: ${labels.join(', ')}`);
  }
  const taints = (o: KObject | undefined) => (o?.spec as { taints?: unknown } | undefined)?.taints;
  if (req.old && req.subresource !== 'status' && !semanticEqual(taints(req.object), taints(req.old))) {
    throw forbidden(`node "${node}" is not allowed to modify taints`);
  }
}

export function nodeRestriction(): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    admit(req) {
      if (!req.user) return;
      const node = nodeNameOf(req.user);
      if (node === undefined) return;
      const d = req.descriptor;
      const name = req.object.metadata.name ?? '';
      const ref = { group: d.group, resource: d.plural };
      if (d.group === '' && d.plural === 'nodes') {
        if (name !== node) throw errors.forbidden(`nodes "${name}" is forbidden: node "${node}" is not allowed to modify node "${name}"`, ref, name);
        checkOwnNode(req, node);
      }
      if (d.group === 'coordination.k8s.io' && d.plural === 'leases' && name !== node) {
        throw errors.forbidden(`leases.coordination.k8s.io "${name}" is forbidden: node "${node}" may only use its own lease`, ref, name);
      }
      if (d.group === '' && d.plural === 'pods' && req.operation === 'CREATE') {
        throw errors.forbidden(`pods "${name}" is forbidden: node "${node}" may not create pods`, ref, name);
      }
    },
  };
}
