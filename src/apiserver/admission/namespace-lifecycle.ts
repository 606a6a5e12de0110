// Objects live in namespaces that exist and are not being torn down.
import { errors } from '../errors.js';
import { watchedKind } from './watched-kind.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

export function namespaceLifecycle(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  const nsDescriptor = () => c.registry.findByResource('', 'v1', 'namespaces')!;
  const namespaces = watchedKind(c.store, nsDescriptor);
  return {
    name: 'NamespaceLifecycle',
    async admit(req) {
      if (req.operation !== 'CREATE' || !req.descriptor.namespaced) return;
      const namespace = req.object.metadata.namespace!;
      // One not held yet (made a moment ago through another server) is asked for.
      const ns = namespaces.get('', namespace) ?? (await c.store.tryGet(nsDescriptor(), undefined, namespace));
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
