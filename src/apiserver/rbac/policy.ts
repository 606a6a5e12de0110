// The RBAC objects as the authorizer reads them: four caches kept by watches (so a decision costs
// no datastore read), plus an index of bindings by subject, rebuilt only after a binding changed.
// With thousands of bindings a request looks at the few naming its user and groups, not at all.
import type { KObject } from '../../registry/types.js';
import type { PolicyRule } from './rules.js';
import { describeSubject, keysOf, subjectKey, type Subject } from './subjects.js';

/** A cache of one kind (controllers/runtime/object-cache.ts has this shape); tests fill it by hand. */
export interface ObjectSource {
  list(namespace?: string): KObject[];
  get(namespace: string | undefined, name: string): KObject | undefined;
  subscribe(listener: (ev: { type: string; object: KObject }) => void): () => void;
}

export interface PolicySources {
  roles: ObjectSource;
  clusterRoles: ObjectSource;
  roleBindings: ObjectSource;
  clusterRoleBindings: ObjectSource;
}

interface RoleRef { kind?: string; name?: string }

interface Entry {
  binding: KObject;
  subject: Subject;
}

/** Called with each rule that applies (and where it came from), or with the error of a binding
 *  whose role is missing; returning false stops the walk. */
export type RuleVisitor = (source: () => string, rule: PolicyRule | undefined, error?: string) => boolean;

export interface PolicyUser {
  name: string;
  groups: readonly string[];
}

type ByKey = Map<string, Entry[]>;

/** A stored binding's subjects; validation makes them a list, but a decision must never throw. */
const subjectsOf = (b: KObject): Subject[] => (Array.isArray(b.subjects) ? (b.subjects as Subject[]) : []);

const rulesOf = (role: KObject): PolicyRule[] => (Array.isArray(role.rules) ? (role.rules as PolicyRule[]) : []);

function add(index: ByKey, key: string, entry: Entry): void {
  const list = index.get(key);
  if (list) list.push(entry);
  else index.set(key, [entry]);
}

export class PolicyIndex {
  private dirty = true;
  private cluster: ByKey = new Map();
  private namespaced = new Map<string, ByKey>();

  constructor(private readonly s: PolicySources) {
    const invalidate = () => {
      this.dirty = true;
    };
    s.roleBindings.subscribe(invalidate);
    s.clusterRoleBindings.subscribe(invalidate);
  }

  private rebuild(): void {
    this.cluster = new Map();
    this.namespaced = new Map();
    for (const b of this.s.clusterRoleBindings.list()) {
      for (const subject of subjectsOf(b)) {
        const key = subjectKey(subject, undefined);
        if (key) add(this.cluster, key, { binding: b, subject });
      }
    }
    for (const b of this.s.roleBindings.list()) {
      const ns = b.metadata.namespace!;
      let index = this.namespaced.get(ns);
      if (!index) this.namespaced.set(ns, (index = new Map()));
      for (const subject of subjectsOf(b)) {
        const key = subjectKey(subject, ns);
        if (key) add(index, key, { binding: b, subject });
      }
    }
    this.dirty = false;
  }

  /** The rules a binding's role holds, or the error upstream reports for a missing role. */
  roleRules(ref: RoleRef, namespace: string | undefined): { rules: PolicyRule[] } | { error: string } {
    const name = ref.name ?? '';
    if (ref.kind === 'ClusterRole') {
      const role = this.s.clusterRoles.get(undefined, name);
      return role ? { rules: rulesOf(role) } : { error: `clusterrole.rbac.authorization.k8s.io "${name}" not found` };
    }
    if (ref.kind === 'Role' && namespace) {
      const role = this.s.roles.get(namespace, name);
      return role ? { rules: rulesOf(role) } : { error: `role.rbac.authorization.k8s.io "${name}" not found` };
    }
    return { error: `unsupported role reference kind: "${ref.kind ?? ''}"` };
  }

  /** Walks the rules that apply to `user`: cluster-wide ones first, then those of `namespace`. */
  visit(user: PolicyUser, namespace: string | undefined, visitor: RuleVisitor): void {
    if (this.dirty) this.rebuild();
    const keys = keysOf(user);
    const walk = (index: ByKey | undefined, kind: 'ClusterRoleBinding' | 'RoleBinding'): boolean => {
      if (!index) return true;
      const seen = new Set<KObject>();
      for (const key of keys) {
        for (const { binding, subject } of index.get(key) ?? []) {
          // A user named twice in one binding (as user and through a group) is granted once.
          if (seen.has(binding)) continue;
          seen.add(binding);
          const ref = (binding.roleRef ?? {}) as RoleRef;
          const ns = binding.metadata.namespace;
          const resolved = this.roleRules(ref, ns);
          const source = () => {
            const name = kind === 'RoleBinding' ? `${binding.metadata.name}/${ns}` : binding.metadata.name;
            return `${kind} "${name}" of ${ref.kind ?? ''} "${ref.name ?? ''}" to ${describeSubject(subject, ns)}`;
          };
          if ('error' in resolved) {
            if (!visitor(source, undefined, resolved.error)) return false;
            continue;
          }
          for (const rule of resolved.rules) if (!visitor(source, rule)) return false;
        }
      }
      return true;
    };
    if (!walk(this.cluster, 'ClusterRoleBinding')) return;
    if (namespace) walk(this.namespaced.get(namespace), 'RoleBinding');
  }

  /** Every rule `user` holds in `namespace` (cluster-wide ones included), and the errors met. */
  rulesFor(user: PolicyUser, namespace: string | undefined): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visit(user, namespace, (_source, rule, error) => {
      if (rule) rules.push(rule);
      if (error) errors.push(error);
      return true;
    });
    return { rules, errors };
  }
}
