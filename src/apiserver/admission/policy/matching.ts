// Whether a policy's matchConstraints (or a binding's matchResources) cover a request: rules with
// resourceNames, exclusions, matchPolicy Equivalent, then the object and namespace selectors.
// The rule grammar is the webhooks' (webhooks/rules.ts); only resourceNames and exclusions are new.
import type { ResourceDescriptor } from '../../../registry/types.js';
import { ruleMatches, type RuleTarget } from '../webhooks/rules.js';
import type { MatchRequest, ServedVersions } from '../webhooks/match.js';
import type { CompiledMatch, NamedRule } from './policy-set.js';

export interface PolicyRequest extends MatchRequest {
  name: string;
}

function named(rule: NamedRule, t: RuleTarget, name: string): boolean {
  if (!ruleMatches(rule, t)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

function target(req: PolicyRequest, d: ResourceDescriptor): RuleTarget {
  return { operation: req.operation, group: d.group, version: d.version, resource: d.plural, subresource: req.subresource ?? '', namespaced: req.descriptor.namespaced };
}

/** The version the policy sees the request in, or undefined when the rules do not cover it. A
 *  binding's matchResources without resourceRules narrows nothing by resource. */
export function matchedVersion(m: CompiledMatch, req: PolicyRequest, versions: ServedVersions): ResourceDescriptor | undefined {
  const d = req.descriptor;
  const t = target(req, d);
  if (m.excludeResourceRules.some((r) => named(r, t, req.name))) return undefined;
  if (!m.resourceRules) return d;
  if (m.resourceRules.some((r) => named(r, t, req.name))) return d;
  if (m.matchPolicy !== 'Equivalent') return undefined;
  for (const other of versions(d)) {
    if (other === d) continue;
    const ot = { ...t, version: other.version };
    if (!m.excludeResourceRules.some((r) => named(r, ot, req.name)) && m.resourceRules.some((r) => named(r, ot, req.name))) return other;
  }
  return undefined;
}

export function objectSelected(m: CompiledMatch, req: PolicyRequest): boolean {
  if (!m.objectSelector) return true;
  return (!!req.object && m.objectSelector(req.object.metadata.labels ?? {})) || (!!req.old && m.objectSelector(req.old.metadata.labels ?? {}));
}

/** A Namespace is matched by its own labels; other cluster-scoped objects are never skipped. */
export async function namespaceSelected(m: CompiledMatch, req: PolicyRequest, labels: (ns: string) => Promise<Record<string, string> | undefined>): Promise<boolean> {
  if (!m.namespaceSelector) return true;
  const d = req.descriptor;
  if (d.group === '' && d.plural === 'namespaces') return m.namespaceSelector((req.object ?? req.old)?.metadata.labels ?? {});
  if (!d.namespaced || !req.namespace) return true;
  return m.namespaceSelector((await labels(req.namespace)) ?? {});
}
