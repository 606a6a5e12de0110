// core/v1 Pod.
import type { Container, EphemeralContainer, PodSpec, PodStatus, Toleration } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor } from '../types.js';
import { asArray, asObject, canonical, deepClone, semanticEqual } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1123Label, nameIsDNSSubdomain } from '../validation/names.js';
import { validatePodSpec } from '../validation/podspec.js';
import { parseQuantity } from '../validation/quantity.js';
import { defaultPodSpec } from './pod-defaults.js';

const spec = (obj: KObject) => obj.spec as PodSpec | undefined;
const status = (obj: KObject) => obj.status as PodStatus | undefined;

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Guaranteed when every container has equal cpu+memory requests and limits; BestEffort when none set any. */
export function qosClass(podSpec: PodSpec): string {
  const all = [...asArray<Container>(podSpec.initContainers), ...asArray<Container>(podSpec.containers)];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = asObject(c.resources?.requests);
    const lim = asObject(c.resources?.limits);
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      const l = parseQuantity(lim[r]);
      const q = req[r] === undefined ? l : parseQuantity(req[r]);
      if (l === undefined || q !== l) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** A pod bound to a node goes when its kubelet confirms (after the grace period); a pod no kubelet
 *  runs, or one that already finished, goes at once. */
function podGracePeriod(obj: KObject, requested: number | undefined): number {
  const s = spec(obj);
  const phase = status(obj)?.phase;
  if (!s?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  return Math.max(0, requested ?? s.terminationGracePeriodSeconds ?? 30);
}

function defaults(obj: KObject): void {
  const s = spec(obj);
  defaultPodSpec(s);
  if (!s) return;
  // Only Pods (not templates) copy limits into missing requests.
  for (const c of [...asArray<Container>(s.initContainers), ...asArray<Container>(s.containers)]) {
    const limits = c.resources?.limits;
    if (!limits || !c.resources) continue;
    const requests = (c.resources.requests ??= {});
    for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined && parseQuantity(v) !== undefined) requests[k] = v;
    if (Object.keys(requests).length === 0) delete c.resources.requests;
  }
  const st = (obj.status ??= {}) as PodStatus;
  st.phase ??= 'Pending';
  st.qosClass ??= qosClass(s);
}

/** What may change on a running Pod: images, a shorter deadline, added tolerations, grace -1 → 1. */
function validatePodUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const next = spec(obj) ?? ({} as PodSpec);
  const prev = spec(old) ?? ({} as PodSpec);
  const prevDeadline = prev.activeDeadlineSeconds;
  const nextDeadline = next.activeDeadlineSeconds;
  if (prevDeadline !== undefined && prevDeadline !== null) {
    if (nextDeadline === undefined || nextDeadline === null) {
      // Go's field errors print a nil pointer as the quoted string "null".
      errs.push(fieldError.invalid('spec.activeDeadlineSeconds', 'null', 'must not update from a positive integer to nil value'));
    } else if (nextDeadline > prevDeadline) {
      errs.push(fieldError.invalid('spec.activeDeadlineSeconds', nextDeadline, 'must be less than or equal to previous value'));
    }
  }
  const prevTolerations = asArray<Toleration>(prev.tolerations).map(canonical);
  const nextTolerations = new Set(asArray<Toleration>(next.tolerations).map(canonical));
  const toleranceRemoved = prevTolerations.some((t) => !nextTolerations.has(t));

  // Overlay the mutable fields of the new spec onto a copy of the old one and compare the rest.
  const mutated = deepClone(next);
  const copyImages = (into: Container[] | undefined, from: Container[] | undefined) => {
    asArray<Container>(into).forEach((c, i) => {
      const o = asArray<Container>(from)[i];
      if (o) c.image = o.image;
    });
  };
  copyImages(mutated.containers, prev.containers);
  copyImages(mutated.initContainers, prev.initContainers);
  mutated.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  if (!toleranceRemoved) mutated.tolerations = prev.tolerations;
  if ((prev.terminationGracePeriodSeconds ?? 0) < 0 && next.terminationGracePeriodSeconds === 1) {
    mutated.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  }
  // Scheduling gates may only be removed; nodeName is set through the binding subresource.
  const prevGates = new Set(asArray<{ name: string }>(prev.schedulingGates).map((g) => g.name));
  if (asArray<{ name: string }>(next.schedulingGates).every((g) => prevGates.has(g.name))) mutated.schedulingGates = prev.schedulingGates;
  if (!semanticEqual(mutated, prev)) errs.push(fieldError.forbidden('spec', POD_UPDATE_FORBIDDEN));
  return errs;
}

function applyEphemeralContainers(current: KObject, incoming: KObject): KObject {
  const containers = asObject(incoming.spec).ephemeralContainers;
  const next = current;
  const s = (next.spec ??= {}) as PodSpec;
  if (containers === undefined || containers === null) delete s.ephemeralContainers;
  else s.ephemeralContainers = containers as PodSpec['ephemeralContainers'];
  return next;
}

/** Fields an ephemeral container may not have: it is for debugging, never part of the pod's service. */
const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/** Ephemeral containers may only be added, each with a unique name, an image, and a target that exists. */
function validateEphemeralContainers(next: KObject, old: KObject): FieldError[] {
  const errs = validateMeta(next, { namespaced: true, nameFn: nameIsDNSSubdomain }, old);
  const now = asArray<EphemeralContainer>(spec(next)?.ephemeralContainers);
  const before = asArray<EphemeralContainer>(spec(old)?.ephemeralContainers);
  for (const prev of before) {
    const same = now.find((c) => c.name === prev.name);
    if (!same) errs.push(fieldError.forbidden('spec.ephemeralContainers', `existing ephemeral containers "${prev.name}" may not be removed`));
    else if (!semanticEqual(same, prev)) errs.push(fieldError.forbidden('spec.ephemeralContainers', `existing ephemeral containers "${prev.name}" may not be changed`));
  }
  const regular = new Set([...asArray<Container>(spec(next)?.containers), ...asArray<Container>(spec(next)?.initContainers)].map((c) => c.name));
  const seen = new Set<string>();
  now.forEach((c, i) => {
    const p = `spec.ephemeralContainers[${i}]`;
    if (!c.name) errs.push(fieldError.required(`${p}.name`));
    else {
      for (const msg of isDNS1123Label(c.name)) errs.push(fieldError.invalid(`${p}.name`, c.name, msg));
      if (regular.has(c.name) || seen.has(c.name)) errs.push(fieldError.duplicate(`${p}.name`, c.name));
      seen.add(c.name);
    }
    if (!c.image) errs.push(fieldError.required(`${p}.image`));
    for (const f of EPHEMERAL_FORBIDDEN) {
      const v = (c as unknown as Record<string, unknown>)[f];
      // Empty is unset: kubectl debug always sends `resources: {}`.
      const empty = v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0);
      if (!empty) errs.push(fieldError.forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
    if (c.targetContainerName && !regular.has(c.targetContainerName)) errs.push(fieldError.notFound(`${p}.targetContainerName`, c.targetContainerName));
  });
  return errs;
}

function validate(obj: KObject, ctx: { old?: KObject }): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  errs.push(...validatePodSpec(spec(obj), 'spec'));
  if (!ctx.old && asArray(spec(obj)?.ephemeralContainers).length > 0) {
    errs.push(fieldError.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  if (ctx.old) errs.push(...validatePodUpdate(obj, ctx.old));
  return errs;
}

function validateStatus(obj: KObject, ctx: { old?: KObject }): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const phase = status(obj)?.phase;
  const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
  if (phase !== undefined && !PHASES.includes(phase)) errs.push(fieldError.notSupported('status.phase', phase, PHASES));
  return errs;
}

export const pod: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  subresources: {
    status: true,
    other: [
      { name: 'binding', group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
      { name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
      // Streams: served as HTTP upgrades (apiserver/handlers/pod-stream.ts), listed as upstream lists them.
      { name: 'exec', group: '', version: 'v1', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', group: '', version: 'v1', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', group: '', version: 'v1', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
    // kubectl debug adds a container to a running pod through this.
    parts: [{ name: 'ephemeralcontainers', apply: applyEphemeralContainers, validate: validateEphemeralContainers }],
  },
  // Pod.metadata.generation is only maintained from 1.33 on.
  generation: false,
  deletion: { gracePeriodSeconds: podGracePeriod, returnsObject: true },
  selectableFields(obj) {
    const s = spec(obj);
    const st = status(obj);
    return {
      'spec.nodeName': s?.nodeName ?? '',
      'spec.restartPolicy': s?.restartPolicy ?? '',
      'spec.schedulerName': s?.schedulerName ?? '',
      'spec.serviceAccountName': s?.serviceAccountName ?? '',
      'spec.hostNetwork': String(s?.hostNetwork === true),
      'status.phase': st?.phase ?? '',
      'status.podIP': st?.podIP ?? '',
      'status.nominatedNodeName': st?.nominatedNodeName ?? '',
    };
  },
  defaults,
  validate,
  validateStatus,
};
