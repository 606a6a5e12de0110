// The audit policy (`audit.k8s.io/v1` Policy, the file kube-apiserver's --audit-policy-file reads):
// read and checked once at start, then asked per request which level and stages to record. The
// first rule that matches decides; no match means level None.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { RequestInfo } from '../request-info.js';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

const levels: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const stages: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

/** What one request is recorded with. */
export interface AuditDecision {
  level: AuditLevel;
  omitStages: ReadonlySet<AuditStage>;
  omitManagedFields: boolean;
}

export interface AuditSubject {
  name: string;
  groups: readonly string[];
}

export class PolicyError extends Error {}

/** Reads a policy file (YAML or JSON); any problem is one PolicyError naming the file. */
export function loadAuditPolicy(path: string): AuditPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PolicyError(`--audit-policy-file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      throw new Error(`not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
    }
    return parseAuditPolicy(doc);
  } catch (err) {
    throw new PolicyError(`--audit-policy-file ${path}: ${(err as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`${field}: must be a list of strings`);
  return v as string[];
}

function stageList(v: unknown, field: string): AuditStage[] | undefined {
  const list = stringList(v, field);
  for (const s of list ?? []) if (!stages.includes(s as AuditStage)) throw new Error(`${field}: unsupported stage "${s}" (one of ${stages.join(', ')})`);
  return list as AuditStage[] | undefined;
}

/** Checks a decoded document as kube-apiserver's validation does; throws with the field at fault. */
export function parseAuditPolicy(doc: unknown): AuditPolicy {
  if (!isObject(doc)) throw new Error('expected a Policy object');
  if (doc.apiVersion !== 'audit.k8s.io/v1') throw new Error(`apiVersion: must be "audit.k8s.io/v1", not ${JSON.stringify(doc.apiVersion ?? '')}`);
  if (doc.kind !== 'Policy') throw new Error(`kind: must be "Policy", not ${JSON.stringify(doc.kind ?? '')}`);
  if (doc.rules !== undefined && doc.rules !== null && !Array.isArray(doc.rules)) throw new Error('rules: must be a list');
  const rawRules = (doc.rules ?? []) as unknown[];
  if (rawRules.length === 0) throw new Error('rules: at least one rule is required (a policy without rules records nothing)');
  const rules = rawRules.map((r, i) => parseRule(r, `rules[${i}]`));
  const omitManagedFields = doc.omitManagedFields ?? false;
  if (typeof omitManagedFields !== 'boolean') throw new Error('omitManagedFields: must be true or false');
  return { rules, omitStages: stageList(doc.omitStages, 'omitStages') ?? [], omitManagedFields };
}

function parseRule(raw: unknown, at: string): PolicyRule {
  if (!isObject(raw)) throw new Error(`${at}: must be an object`);
  const known = new Set(['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields']);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new Error(`${at}: unknown field "${k}"`);
  if (!levels.includes(raw.level as AuditLevel)) throw new Error(`${at}.level: Unsupported value: ${JSON.stringify(raw.level ?? '')}: supported values: ${levels.map((l) => `"${l}"`).join(', ')}`);
  const rule: PolicyRule = { level: raw.level as AuditLevel };
  for (const f of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs'] as const) {
    const list = stringList(raw[f], `${at}.${f}`);
    if (list) rule[f] = list;
  }
  if (raw.resources !== undefined && raw.resources !== null) {
    if (!Array.isArray(raw.resources)) throw new Error(`${at}.resources: must be a list`);
    rule.resources = raw.resources.map((g, j) => parseGroupResources(g, `${at}.resources[${j}]`));
  }
  if (rule.nonResourceURLs) {
    if (rule.resources?.length || rule.namespaces?.length) throw new Error(`${at}.nonResourceURLs: rules cannot apply to both regular resources and non-resource URLs`);
    for (const [j, url] of rule.nonResourceURLs.entries()) {
      if (!url.startsWith('/') && url !== '*') throw new Error(`${at}.nonResourceURLs[${j}]: "${url}" must start with "/"`);
      if (url.slice(0, -1).includes('*')) throw new Error(`${at}.nonResourceURLs[${j}]: "${url}" may hold "*" only at its end`);
    }
  }
  const omit = stageList(raw.omitStages, `${at}.omitStages`);
  if (omit) rule.omitStages = omit;
  if (raw.omitManagedFields !== undefined) {
    if (typeof raw.omitManagedFields !== 'boolean') throw new Error(`${at}.omitManagedFields: must be true or false`);
    rule.omitManagedFields = raw.omitManagedFields;
  }
  return rule;
}

function parseGroupResources(raw: unknown, at: string): GroupResources {
  if (!isObject(raw)) throw new Error(`${at}: must be an object`);
  const group = raw.group ?? '';
  if (typeof group !== 'string') throw new Error(`${at}.group: must be a string`);
  if (group.includes('/')) throw new Error(`${at}.group: "${group}" is a group name, without a version`);
  const resources = stringList(raw.resources, `${at}.resources`);
  const resourceNames = stringList(raw.resourceNames, `${at}.resourceNames`);
  for (const r of resources ?? []) {
    if (r === '' || r.split('/').length > 2 || r.endsWith('/')) throw new Error(`${at}.resources: "${r}" is not a resource or resource/subresource`);
    if (resourceNames?.length && r.split('/')[0] === '*') throw new Error(`${at}.resources: "${r}" with resourceNames: names need a named resource`);
  }
  return { group, ...(resources ? { resources } : {}), ...(resourceNames ? { resourceNames } : {}) };
}

const inList = (list: readonly string[] | undefined, v: string) => !list || list.length === 0 || list.includes(v);

function matchesResource(gr: GroupResources, info: Extract<RequestInfo, { kind: 'resource' }>): boolean {
  if ((gr.group ?? '') !== info.group) return false;
  if (gr.resourceNames?.length && (info.name === undefined || !gr.resourceNames.includes(info.name))) return false;
  if (!gr.resources || gr.resources.length === 0) return true;
  const full = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  for (const r of gr.resources) {
    if (r === '*' || r === full) return true;
    // `pods/*`: every subresource of pods (not pods itself); `*/log`: that subresource of any resource.
    if (info.subresource && (r === `${info.resource}/*` || r === `*/${info.subresource}`)) return true;
  }
  return false;
}

function matchesNonResource(urls: readonly string[], path: string): boolean {
  return urls.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleMatches(rule: PolicyRule, user: AuditSubject, info: RequestInfo): boolean {
  if (rule.users?.length && !rule.users.includes(user.name)) return false;
  if (rule.userGroups?.length && !rule.userGroups.some((g) => user.groups.includes(g))) return false;
  if (!inList(rule.verbs, info.verb)) return false;
  if (info.kind === 'resource') {
    if (rule.nonResourceURLs?.length) return false;
    // A cluster-scoped object's namespace is "" for the policy, as upstream's.
    if (rule.namespaces?.length && !rule.namespaces.includes(info.namespace ?? '')) return false;
    if (rule.resources?.length && !rule.resources.some((gr) => matchesResource(gr, info))) return false;
    return true;
  }
  if (rule.resources?.length || rule.namespaces?.length) return false;
  if (rule.nonResourceURLs?.length && !matchesNonResource(rule.nonResourceURLs, info.path)) return false;
  return true;
}

const noStages: ReadonlySet<AuditStage> = new Set();

export function decide(policy: AuditPolicy, user: AuditSubject, info: RequestInfo): AuditDecision {
  for (const rule of policy.rules) {
    if (!ruleMatches(rule, user, info)) continue;
    const omit = [...policy.omitStages, ...(rule.omitStages ?? [])];
    return { level: rule.level, omitStages: omit.length ? new Set(omit) : noStages, omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields };
  }
  return { level: 'None', omitStages: noStages, omitManagedFields: policy.omitManagedFields };
}
