// Priority admission: a new pod's spec.priority (and preemptionPolicy) come from its
// priorityClassName, or from the class marked globalDefault when it names none; a client may not
// set a different number itself. Only one PriorityClass may be the global default.
import type { KObject } from '../../registry/types.js';
import { errors } from '../errors.js';
import { watchedKind } from './watched-kind.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

export function priorityAdmission(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  const classes = () => c.registry.findByResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;
  const held = watchedKind(c.store, classes);
  const globalDefault = async (): Promise<KObject | undefined> => {
    const all = (held.objects('') ?? (await c.store.list(classes(), {})).items).filter((pc) => pc.globalDefault === true);
    // Two defaults can only come from a race between servers: the lower value is the safer pick, as upstream.
    return all.sort((a, b) => Number(a.value) - Number(b.value))[0];
  };
  return {
    name: 'Priority',
    async admit(req) {
      const d = req.descriptor;
      if (req.subresource) return;
      if (d.group === 'scheduling.k8s.io' && d.kind === 'PriorityClass' && req.object.globalDefault === true) {
        const existing = await globalDefault();
        if (existing && existing.metadata.name !== req.object.metadata.name) {
          throw errors.forbidden(`priorityclasses.scheduling.k8s.io "${req.object.metadata.name}" is forbidden: PriorityClass ${existing.metadata.name} is already marked as default. Only one default can exist`, { group: d.group, resource: d.plural }, req.object.metadata.name);
        }
        return;
      }
      if (req.operation !== 'CREATE' || d.group !== '' || d.kind !== 'Pod') return;
      const pod = req.object;
      const spec = (pod.spec ??= {}) as { priorityClassName?: string; priority?: number; preemptionPolicy?: string };
      const forbid = (message: string) => errors.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: ${message}`, { group: '', resource: 'pods' }, pod.metadata.name);
      let pc: KObject | undefined;
      if (spec.priorityClassName) {
        pc = await c.store.tryGet(classes(), undefined, spec.priorityClassName);
        if (!pc) throw forbid(`no PriorityClass with name ${spec.priorityClassName} was found`);
      } else {
        pc = await globalDefault();
        if (pc) spec.priorityClassName = pc.metadata.name;
      }
      const priority = pc ? Number(pc.value ?? 0) : 0;
      const policy = (pc?.preemptionPolicy as string | undefined) ?? 'PreemptLowerPriority';
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
        throw forbid(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
      }
      if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
        throw forbid(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.priority = priority;
      spec.preemptionPolicy = policy;
    },
  };
}
