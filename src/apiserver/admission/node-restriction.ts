// The part of node authorization that needs the object: a kubelet may create only its own Node and
// its own Lease, and no pods at all (k3ts has no static pods).
import { errors } from '../errors.js';
import type { AdmissionPlugin } from '../resources/context.js';
import { nodeNameOf } from '../node-authorizer.js';

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
      if (d.group === '' && d.plural === 'nodes' && name !== node) {
        throw errors.forbidden(`nodes "${name}" is forbidden: node "${node}" is not allowed to modify node "${name}"`, ref, name);
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
