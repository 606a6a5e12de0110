// Watches of a custom resource end when its kind stops being served (the CRD was deleted), so a
// `kubectl get -w` returns instead of waiting on a kind that no longer exists.
import { customResourceInfo } from '../../registry/crd/descriptors.js';
import type { ResourceDescriptor } from '../../registry/types.js';
import type { Registry } from '../resources/context.js';

export function endWhenKindWithdrawn(registry: Registry, d: ResourceDescriptor, end: () => void): () => void {
  if (!customResourceInfo(d) || !registry.subscribe) return () => undefined;
  return registry.subscribe(() => {
    if (!registry.findByResource(d.group, d.version, d.plural)) end();
  });
}
