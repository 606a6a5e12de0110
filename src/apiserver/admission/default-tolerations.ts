// DefaultTolerationSeconds, as kube-apiserver runs it: every new pod tolerates a not-ready or
// unreachable node for a while (300 s by default) before taint eviction removes it, unless the pod
// already says how it tolerates those taints. Like upstream it runs on updates too: an incoming pod
// (kubectl replace, or an apply that replaces the toleration list) gets the same tolerations back,
// so the stored ones do not count as a forbidden spec change.
import type { Toleration } from 'kubernetes-types/core/v1.js';
import type { AdmissionPlugin } from '../resources/context.js';

export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';

export interface DefaultTolerationsOptions {
  notReadySeconds: number;
  unreachableSeconds: number;
}

/** An empty key (with Exists) or an empty effect covers the taint too. */
const covers = (t: Toleration, key: string) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);

export function defaultTolerations(o: DefaultTolerationsOptions): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    admit() {},
    mutate(req) {
      if (req.subresource || req.descriptor.group !== '' || req.descriptor.kind !== 'Pod') return;
      const spec = (req.object.spec ??= {}) as { tolerations?: Toleration[] };
      const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      const add: Toleration[] = [];
      for (const [key, seconds] of [[notReadyTaintKey, o.notReadySeconds], [unreachableTaintKey, o.unreachableSeconds]] as const) {
        if (!tolerations.some((t) => covers(t, key))) add.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
      }
      if (add.length > 0) spec.tolerations = [...tolerations, ...add];
    },
  };
}
