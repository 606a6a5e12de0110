// Objects live in namespaces that exist and are not being torn down.
import { errors } from '../errors.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

export function namespaceLifecycle(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async admit(req) {
      if (req.operation !== 'CREATE' || !req.descriptor.namespaced) return;
      const nsDescriptor = c.registry.findByResource('', 'v1', 'namespaces')!;
      const namespace = req.object.metadata.namespace!;
      const ns = await c.store.tryGet(nsDescriptor, undefined, namespace);
      if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
      if (ns.metadata.deletionTimestamp) {
        throw errors.forbidden(
          `${req.descriptor.plural} "${req.object.metadata.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          { group: req.descriptor.group, resource: req.descriptor.plural },
          req.object.metadata.name,
        );
      }
    },
  };
}
