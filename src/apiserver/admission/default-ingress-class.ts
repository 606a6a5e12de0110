// DefaultIngressClass admission: an Ingress created without a class (neither ingressClassName nor
// the old kubernetes.io/ingress.class annotation) gets the class marked default. With several
// marked, the newest wins, as upstream does since 1.28.
import { ingressClassOf } from '../../registry/kinds/ingress.js';
import { isDefaultIngressClass } from '../../registry/kinds/ingressclass.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

export function defaultIngressClass(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  return {
    name: 'DefaultIngressClass',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || req.descriptor.group !== 'networking.k8s.io' || req.descriptor.kind !== 'Ingress') return;
      if (ingressClassOf(req.object) !== undefined) return;
      const classes = c.registry.findByResource('networking.k8s.io', 'v1', 'ingressclasses');
      if (!classes) return;
      const defaults = (await c.store.list(classes, {})).items.filter(isDefaultIngressClass);
      if (defaults.length === 0) return;
      const newest = defaults.reduce((a, b) => ((b.metadata.creationTimestamp ?? '') > (a.metadata.creationTimestamp ?? '') || ((b.metadata.creationTimestamp ?? '') === (a.metadata.creationTimestamp ?? '') && (b.metadata.name ?? '') < (a.metadata.name ?? '')) ? b : a));
      (req.object.spec as Record<string, unknown>).ingressClassName = newest.metadata.name;
    },
  };
}
