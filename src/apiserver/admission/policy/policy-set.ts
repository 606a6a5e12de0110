// The ValidatingAdmissionPolicies in force and their bindings, read from watched caches. Each
// policy's expressions are compiled once per generation (a status write or a binding change does
// not recompile them), so a write pays only for evaluating what matches it.
import type { KObject } from '../../../registry/types.js';
import { compileCel, type Program } from '../../../registry/cel/environment.js';
import { labelSelectorFromObject, type LabelSelectorObject } from '../../../registry/selectors/label.js';
import type { ConfigurationSource } from '../webhooks/configurations.js';
import type { RuleWithOperations } from '../webhooks/rules.js';

type Json = Record<string, unknown>;
type Selector = (labels: Record<string, string> | undefined) => boolean;

export interface NamedRule extends RuleWithOperations {
  resourceNames?: string[];
}

export interface CompiledMatch {
  resourceRules?: NamedRule[];
  excludeResourceRules: NamedRule[];
  matchPolicy: 'Exact' | 'Equivalent';
  /** Undefined when empty: matches everything without reading the namespace. */
  namespaceSelector?: Selector;
  objectSelector?: Selector;
}

export interface NamedExpression {
  name: string;
  expression: string;
  program: Program;
}

export interface CompiledValidation {
  expression: string;
  program: Program;
  message?: string;
  messageExpression?: Program;
  reason?: string;
}

export interface CompiledPolicy {
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  paramKind?: { apiVersion: string; kind: string };
  match: CompiledMatch;
  matchConditions: NamedExpression[];
  variables: NamedExpression[];
  validations: CompiledValidation[];
  /** Set when a stored expression does not compile (written before validation refused it). */
  configError?: string;
  /** Whether any expression reads `namespaceObject`: only then is the namespace read. */
  readsNamespace: boolean;
}

export interface CompiledBinding {
  name: string;
  policyName: string;
  actions: ReadonlySet<string>;
  paramRef?: { name?: string; namespace?: string; selector?: Selector; parameterNotFoundAction: 'Allow' | 'Deny' };
  match?: CompiledMatch;
}

export interface PolicyEntry {
  policy: CompiledPolicy;
  bindings: CompiledBinding[];
}

function selector(sel: unknown): Selector | undefined {
  const s = (sel ?? {}) as LabelSelectorObject;
  if (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0) return undefined;
  try {
    const compiled = labelSelectorFromObject(s);
    return (labels) => compiled.matches(labels);
  } catch {
    return () => false;
  }
}

export function compileMatch(m: Json | undefined): CompiledMatch {
  const ns = selector(m?.namespaceSelector);
  const obj = selector(m?.objectSelector);
  return {
    ...(Array.isArray(m?.resourceRules) ? { resourceRules: m.resourceRules as NamedRule[] } : {}),
    excludeResourceRules: Array.isArray(m?.excludeResourceRules) ? (m.excludeResourceRules as NamedRule[]) : [],
    matchPolicy: m?.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
    ...(ns ? { namespaceSelector: ns } : {}),
    ...(obj ? { objectSelector: obj } : {}),
  };
}

const list = (v: unknown) => (Array.isArray(v) ? (v as Json[]) : []);

export function compilePolicy(obj: KObject): CompiledPolicy {
  const spec = (obj.spec ?? {}) as Json;
  const errors: string[] = [];
  const program = (expression: unknown, where: string): Program => {
    const p = compileCel(String(expression ?? ''));
    if (p instanceof Error) {
      errors.push(`${where}: compilation failed: ${p.message}`);
      return () => false;
    }
    return p;
  };
  const named = (items: Json[], field: string) => items.map((c, i) => ({ name: String(c.name ?? ''), expression: String(c.expression ?? ''), program: program(c.expression, `spec.${field}[${i}].expression`) }));
  const pk = spec.paramKind as Json | undefined;
  const policy: CompiledPolicy = {
    name: obj.metadata.name!,
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    ...(pk ? { paramKind: { apiVersion: String(pk.apiVersion ?? ''), kind: String(pk.kind ?? '') } } : {}),
    match: compileMatch(spec.matchConstraints as Json | undefined),
    readsNamespace: readsNamespace(spec),
    matchConditions: named(list(spec.matchConditions), 'matchConditions'),
    variables: named(list(spec.variables), 'variables'),
    validations: list(spec.validations).map((v, i) => ({
      expression: String(v.expression ?? ''),
      program: program(v.expression, `spec.validations[${i}].expression`),
      ...(typeof v.message === 'string' && v.message !== '' ? { message: v.message } : {}),
      ...(typeof v.messageExpression === 'string' && v.messageExpression !== '' ? { messageExpression: program(v.messageExpression, `spec.validations[${i}].messageExpression`) } : {}),
      ...(typeof v.reason === 'string' && v.reason !== '' ? { reason: v.reason } : {}),
    })),
  };
  if (errors.length) policy.configError = errors.join('; ');
  return policy;
}

function readsNamespace(spec: Json): boolean {
  const texts = [...list(spec.validations).flatMap((v) => [v.expression, v.messageExpression]), ...list(spec.variables).map((v) => v.expression)];
  return texts.some((t) => typeof t === 'string' && /\bnamespaceObject\b/.test(t));
}

export function compileBinding(obj: KObject): CompiledBinding {
  const spec = (obj.spec ?? {}) as Json;
  const ref = spec.paramRef as Json | undefined;
  const refSelector = ref && ref.selector ? (selector(ref.selector) ?? (() => true)) : undefined;
  return {
    name: obj.metadata.name!,
    policyName: String(spec.policyName ?? ''),
    actions: new Set(Array.isArray(spec.validationActions) ? (spec.validationActions as string[]) : []),
    ...(ref
      ? {
          paramRef: {
            ...(typeof ref.name === 'string' && ref.name !== '' ? { name: ref.name } : {}),
            ...(typeof ref.namespace === 'string' && ref.namespace !== '' ? { namespace: ref.namespace } : {}),
            ...(refSelector ? { selector: refSelector } : {}),
            parameterNotFoundAction: ref.parameterNotFoundAction === 'Allow' ? 'Allow' : 'Deny',
          },
        }
      : {}),
    ...(spec.matchResources ? { match: compileMatch(spec.matchResources as Json) } : {}),
  };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Policies in name order, each with its bindings in name order; policies without a binding are
 *  left out (they do nothing), as are bindings naming a missing policy. */
export class PolicySet {
  private entries: PolicyEntry[] = [];
  private dirty = false;
  private sources?: { policies: ConfigurationSource; bindings: ConfigurationSource };
  /** Compiled policies by uid and generation: unchanged policies are not compiled again. */
  private compiled = new Map<string, { key: string; policy: CompiledPolicy }>();

  attach(sources: { policies: ConfigurationSource; bindings: ConfigurationSource }): void {
    this.sources = sources;
    this.dirty = true;
    sources.policies.subscribe(() => (this.dirty = true));
    sources.bindings.subscribe(() => (this.dirty = true));
  }

  /** How many times a policy was compiled; tests use it to see the cache at work. */
  compilations = 0;

  current(): readonly PolicyEntry[] {
    if (this.dirty && this.sources) {
      this.dirty = false;
      const bindings = new Map<string, CompiledBinding[]>();
      for (const b of this.sources.bindings.list().map(compileBinding).sort(byName)) bindings.set(b.policyName, [...(bindings.get(b.policyName) ?? []), b]);
      const next = new Map<string, { key: string; policy: CompiledPolicy }>();
      const entries: PolicyEntry[] = [];
      for (const obj of this.sources.policies.list()) {
        const key = `${obj.metadata.uid}/${obj.metadata.generation}`;
        let hit = this.compiled.get(obj.metadata.name!);
        if (!hit || hit.key !== key) {
          hit = { key, policy: compilePolicy(obj) };
          this.compilations++;
        }
        next.set(obj.metadata.name!, hit);
        const bound = bindings.get(obj.metadata.name!);
        if (bound) entries.push({ policy: hit.policy, bindings: bound });
      }
      this.compiled = next;
      this.entries = entries.sort((a, b) => byName(a.policy, b.policy));
    }
    return this.entries;
  }
}
