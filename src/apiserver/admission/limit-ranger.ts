// LimitRanger admission: a new pod gets its namespace's container defaults (requests and limits it
// left out), then must fit every LimitRange's min, max and ratio; a new claim must fit the storage
// bounds. Refusals are upstream's 403 with the rules broken.
import type { KObject } from '../../registry/types.js';
import { applyContainerDefaults, claimViolations, podViolations } from '../../registry/quota/limit-range.js';
import { errors } from '../errors.js';
import { watchedKind } from './watched-kind.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

export function limitRanger(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  const limitRangeKind = () => c.registry.findByResource('', 'v1', 'limitranges')!;
  const limitRanges = watchedKind(c.store, limitRangeKind);
  return {
    name: 'LimitRanger',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || req.descriptor.group !== '') return;
      const d = req.descriptor;
      if (d.plural !== 'pods' && d.plural !== 'persistentvolumeclaims') return;
      const obj = req.object;
      const ranges: KObject[] = limitRanges.objects(obj.metadata.namespace ?? '') ?? (await c.store.list(limitRangeKind(), { namespace: obj.metadata.namespace })).items;
      if (ranges.length === 0) return;
      let broken: string[];
      if (d.plural === 'pods') {
        applyContainerDefaults(obj, ranges);
        // Defaults come after validation here (upstream mutates first): check the result again.
        const invalid = d.validate?.(obj, {}) ?? [];
        if (invalid.length > 0) throw errors.invalid(d.kind, d.group, obj.metadata.name ?? '', invalid);
        broken = podViolations(obj, ranges);
      } else broken = claimViolations(obj, ranges);
      if (broken.length === 0) return;
      const detail = broken.length === 1 ? broken[0] : `[${broken.join(', ')}]`;
      throw errors.forbidden(`${d.plural} "${obj.metadata.name ?? ''}" is forbidden: ${detail}`, { group: d.group, resource: d.plural }, obj.metadata.name);
    },
  };
}
