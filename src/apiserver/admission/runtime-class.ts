// RuntimeClass admission: a new pod naming a runtimeClassName must name one that exists; it gets
// the class's fixed overhead (which quota and the scheduler then count) and the class's node
// selector and tolerations, refused where they contradict what the pod already says.
import type { KObject } from '../../registry/types.js';
import { semanticEqual } from '../../registry/validation/common.js';
import { errors } from '../errors.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

interface PodSpecPart {
  runtimeClassName?: string;
  overhead?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
}

export function runtimeClassAdmission(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  return {
    name: 'RuntimeClass',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || req.descriptor.group !== '' || req.descriptor.kind !== 'Pod') return;
      const pod = req.object;
      const spec = (pod.spec ??= {}) as PodSpecPart;
      const forbid = (message: string) => errors.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: ${message}`, { group: '', resource: 'pods' }, pod.metadata.name);
      if (!spec.runtimeClassName) {
        if (spec.overhead && Object.keys(spec.overhead).length > 0) throw forbid('pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
        return;
      }
      const d = c.registry.findByResource('node.k8s.io', 'v1', 'runtimeclasses');
      const rc: KObject | undefined = d ? await c.store.tryGet(d, undefined, spec.runtimeClassName) : undefined;
      if (!rc) throw forbid(`pod rejected: RuntimeClass "${spec.runtimeClassName}" not found`);
      const fixed = (rc.overhead as { podFixed?: Record<string, string> } | undefined)?.podFixed;
      if (fixed && Object.keys(fixed).length > 0) {
        if (spec.overhead && !semanticEqual(spec.overhead, fixed)) throw forbid("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        spec.overhead = { ...fixed };
      } else if (spec.overhead && Object.keys(spec.overhead).length > 0) {
        throw forbid('pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
      }
      const scheduling = (rc.scheduling ?? {}) as { nodeSelector?: Record<string, string>; tolerations?: unknown[] };
      for (const [k, v] of Object.entries(scheduling.nodeSelector ?? {})) {
        const mine = spec.nodeSelector?.[k];
        if (mine !== undefined && mine !== v) throw forbid(`conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${mine}`);
        spec.nodeSelector = { ...spec.nodeSelector, [k]: v };
      }
      for (const t of scheduling.tolerations ?? []) {
        const have = spec.tolerations ?? [];
        if (!have.some((x) => semanticEqual(x, t))) spec.tolerations = [...have, t];
      }
    },
  };
}
