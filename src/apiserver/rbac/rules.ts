// What one PolicyRule allows, and whether a set of rules covers another: the two questions every
// RBAC decision and every escalation check come down to. Pure functions over plain rule objects.

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** The attributes a rule is matched against: a resource request or a non-resource path. */
export type RuleRequest =
  | { kind: 'resource'; verb: string; group: string; resource: string; subresource?: string; name?: string }
  | { kind: 'nonresource'; verb: string; path: string };

const ALL = '*';
const has = (list: readonly string[] | undefined, v: string) => list !== undefined && list.includes(v);
const hasOrAll = (list: readonly string[] | undefined, v: string) => list !== undefined && (list.includes(ALL) || list.includes(v));

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    // `*/status` grants the status of every resource.
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** A URL rule ending in `*` grants every path under its prefix. */
function urlMatches(ruleUrl: string, path: string): boolean {
  if (ruleUrl === ALL || ruleUrl === path) return true;
  return ruleUrl.endsWith('*') && path.startsWith(ruleUrl.slice(0, -1));
}

export function ruleAllows(rule: PolicyRule, req: RuleRequest): boolean {
  if (!hasOrAll(rule.verbs, req.verb)) return false;
  if (req.kind === 'nonresource') return (rule.nonResourceURLs ?? []).some((u) => urlMatches(u, req.path));
  if (!hasOrAll(rule.apiGroups, req.group)) return false;
  if (!resourceMatches(rule, req.resource, req.subresource)) return false;
  // No names listed: every name (and requests without one, such as list and create).
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (req.name !== undefined && names.includes(req.name));
}

/** One verb on one group/resource[/name], or one verb on one URL: the unit coverage is checked in. */
export function breakDown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const verbs = rule.verbs ?? [];
  for (const g of rule.apiGroups ?? []) {
    for (const r of rule.resources ?? []) {
      for (const v of verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ apiGroups: [g], resources: [r], verbs: [v] });
        else for (const n of names) out.push({ apiGroups: [g], resources: [r], verbs: [v], resourceNames: [n] });
      }
    }
  }
  for (const u of rule.nonResourceURLs ?? []) for (const v of verbs) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
}

const hasAll = (owner: readonly string[] | undefined, wanted: readonly string[] | undefined) => (wanted ?? []).every((w) => has(owner, w));

function resourcesCovered(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, ALL)) return true;
  return (wanted ?? []).every((w) => {
    if (has(owner, w)) return true;
    const slash = w.indexOf('/');
    return slash >= 0 && has(owner, `*/${w.slice(slash + 1)}`);
  });
}

/** Whether `owner` grants everything the (broken-down) rule `wanted` grants. */
function ruleCovers(owner: PolicyRule, wanted: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, wanted.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, wanted.apiGroups);
  const urls = (wanted.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => urlMatches(o, u)));
  const ownerNames = owner.resourceNames ?? [];
  const wantedNames = wanted.resourceNames ?? [];
  const names = ownerNames.length === 0 || (wantedNames.length > 0 && hasAll(ownerNames, wantedNames));
  return verbs && groups && resourcesCovered(owner.resources, wanted.resources) && names && urls;
}

/** The parts of `wanted` that no rule of `owner` grants; empty when `owner` covers them all. */
export function uncovered(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of wanted) for (const unit of breakDown(rule)) if (!owner.some((o) => ruleCovers(o, unit))) missing.push(unit);
  return missing;
}

/** Units that differ only in their verb become one rule again, so a refusal lists a few lines, not dozens. */
export function compact(rules: readonly PolicyRule[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]);
    const seen = byKey.get(key);
    if (seen) {
      for (const v of r.verbs ?? []) if (!seen.verbs!.includes(v)) seen.verbs!.push(v);
    } else {
      const copy = { ...r, verbs: [...(r.verbs ?? [])] };
      byKey.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

const goQuotedList = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/** Upstream's compact form of a rule, as its escalation errors print it: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function ruleString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuotedList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuotedList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuotedList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuotedList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuotedList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
