// Which webhooks a request goes to, and in which version: rules (with matchPolicy Equivalent a rule
// naming another served version of the same resource matches too, and the webhook gets the object
// in that version), then the object selector (old or new labels), then the namespace selector.
import type { KObject, ResourceDescriptor } from '../../../registry/types.js';
import type { Registry } from '../../resources/context.js';
import type { CompiledWebhook } from './configurations.js';
import { anyRuleMatches, type RuleTarget, type WebhookOperation } from './rules.js';

export interface MatchRequest {
  operation: WebhookOperation;
  descriptor: ResourceDescriptor;
  subresource?: string;
  namespace?: string;
  object?: KObject;
  old?: KObject;
}

/** Reads a namespace's labels once per request, and only if some webhook asks. */
export type NamespaceLabels = (namespace: string) => Promise<Record<string, string> | undefined>;

/** Writes to these are never sent to webhooks, so a broken webhook can always be removed. */
const NEVER_SENT = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings']);

export function neverSent(d: ResourceDescriptor): boolean {
  return d.group === 'admissionregistration.k8s.io' && NEVER_SENT.has(d.plural);
}

/** The descriptor (version) the webhook is called with, or undefined when its rules do not match. */
export function matchingVersion(hook: CompiledWebhook, req: MatchRequest, versions: ServedVersions): ResourceDescriptor | undefined {
  const d = req.descriptor;
  const target: RuleTarget = {
    operation: req.operation, group: d.group, version: d.version, resource: d.plural, subresource: req.subresource ?? '', namespaced: d.namespaced,
  };
  if (anyRuleMatches(hook.rules, target)) return d;
  if (hook.matchPolicy !== 'Equivalent') return undefined;
  for (const other of versions(d)) {
    if (other !== d && anyRuleMatches(hook.rules, { ...target, version: other.version })) return other;
  }
  return undefined;
}

/** Every served version of a descriptor's resource (most resources have one). */
export type ServedVersions = (d: ResourceDescriptor) => readonly ResourceDescriptor[];

export function servedVersions(registry: Registry): ServedVersions {
  const byResource = new Map<string, ResourceDescriptor[]>();
  for (const d of registry.descriptors) {
    const key = `${d.group}/${d.plural}`;
    byResource.set(key, [...(byResource.get(key) ?? []), d]);
  }
  return (d) => byResource.get(`${d.group}/${d.plural}`) ?? [d];
}

export function objectSelected(hook: CompiledWebhook, req: MatchRequest): boolean {
  if (!hook.objectSelector) return true;
  return (!!req.object && hook.objectSelector(req.object.metadata.labels ?? {})) || (!!req.old && hook.objectSelector(req.old.metadata.labels ?? {}));
}

/** A Namespace is matched by its own labels; other cluster-scoped objects are never skipped. */
export async function namespaceSelected(hook: CompiledWebhook, req: MatchRequest, labels: NamespaceLabels): Promise<boolean> {
  if (!hook.namespaceSelector) return true;
  const d = req.descriptor;
  if (d.group === '' && d.plural === 'namespaces') return hook.namespaceSelector((req.object ?? req.old)?.metadata.labels ?? {});
  if (!d.namespaced || !req.namespace) return true;
  return hook.namespaceSelector((await labels(req.namespace)) ?? {});
}

/** The object in another served version of its resource (both convert through the stored one). */
export function convertObject(obj: KObject, from: ResourceDescriptor, to: ResourceDescriptor): KObject {
  if (from === to) return obj;
  const stored = from.conversion ? from.conversion.toStored(structuredClone(obj)) : structuredClone(obj);
  return to.conversion ? to.conversion.fromStored(stored) : stored;
}
