// Whether one of a webhook's rules covers a request: operation, API group and version, resource
// (with its subresource) and scope. Upstream's matching, written for our request shape.

export type WebhookOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface RuleTarget {
  operation: WebhookOperation;
  group: string;
  version: string;
  /** The plural resource name, e.g. `pods`. */
  resource: string;
  /** '' for the main resource, else e.g. `status`. */
  subresource: string;
  /** False for cluster-scoped objects, Namespace objects themselves included. */
  namespaced: boolean;
}

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

const listed = (list: readonly string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

/** `pods` covers only the pod itself, `pods/status` its status, `pods/*` every subresource of pods,
 *  `*` every main resource, `*\/status` the status of any resource, and `*\/*` everything. */
export function resourceMatches(entries: readonly string[] | undefined, resource: string, subresource: string): boolean {
  for (const entry of entries ?? []) {
    if (entry === '*/*') return true;
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    if (res !== '*' && res !== resource) continue;
    if (sub === subresource || (sub === '*' && subresource !== '')) return true;
  }
  return false;
}

function scopeMatches(scope: string | undefined, namespaced: boolean): boolean {
  if (scope === 'Cluster') return !namespaced;
  if (scope === 'Namespaced') return namespaced;
  return true;
}

export function ruleMatches(rule: RuleWithOperations, t: RuleTarget): boolean {
  return (
    listed(rule.operations, t.operation) &&
    listed(rule.apiGroups, t.group) &&
    listed(rule.apiVersions, t.version) &&
    resourceMatches(rule.resources, t.resource, t.subresource) &&
    scopeMatches(rule.scope, t.namespaced)
  );
}

export function anyRuleMatches(rules: readonly RuleWithOperations[] | undefined, t: RuleTarget): boolean {
  return (rules ?? []).some((r) => ruleMatches(r, t));
}
