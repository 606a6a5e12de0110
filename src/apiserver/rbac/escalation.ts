// Nobody grants what they do not hold: writing a Role or ClusterRole needs every one of its rules
// (or the `escalate` verb on it), and writing a binding needs the rules of the role it names (or
// the `bind` verb on that role). Runs as admission, where the object and its writer are known;
// the server's own writes (no user) and system:masters pass.
import { errors } from '../errors.js';
import type { Authorizer } from '../authz.js';
import type { AdmissionPlugin, AdmissionRequest, RequestUser } from '../resources/context.js';
import type { PolicyIndex } from './policy.js';
import { compact, ruleString, uncovered, type PolicyRule } from './rules.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const fullAuthority: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export interface EscalationOptions {
  index: () => PolicyIndex | Promise<PolicyIndex>;
  /** The RBAC authorizer, asked about `escalate` and `bind`. */
  authorizer: Authorizer;
}

const goQuotedList = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

function notHeld(user: RequestUser, missing: PolicyRule[], resolutionErrors: string[]): string {
  const lines = compact(missing).map(ruleString).sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (resolutionErrors.length > 0) msg += `; resolution errors: [${resolutionErrors.join(', ')}]`;
  return msg;
}

export function rbacEscalation(o: EscalationOptions): AdmissionPlugin {
  const may = async (user: RequestUser, verb: string, resource: string, name: string, namespace: string | undefined) =>
    (await o.authorizer.authorize(user, { kind: 'resource', verb, group: RBAC_GROUP, version: '*', resource, name, ...(namespace ? { namespace } : {}) })).allowed;

  const check = async (req: AdmissionRequest, user: RequestUser): Promise<void> => {
    const d = req.descriptor;
    const obj = req.object;
    const name = obj.metadata.name ?? '';
    const namespace = d.namespaced ? obj.metadata.namespace : undefined;
    const ref = { group: d.group, resource: d.plural };
    const forbidden = (why: string) => errors.forbidden(`${d.plural}.${d.group} "${name}" is forbidden: ${why}`, ref, name);
    const index = await o.index();
    const held = index.rulesFor(user, namespace);
    if (d.plural === 'roles' || d.plural === 'clusterroles') {
      if (await may(user, 'escalate', d.plural, name, namespace)) return;
      const missing = uncovered(held.rules, (obj.rules as PolicyRule[] | undefined) ?? []);
      if (missing.length > 0) throw forbidden(notHeld(user, missing, held.errors));
      // An aggregation rule can gather any role's rules: only a holder of everything may set one.
      if (d.plural === 'clusterroles' && obj.aggregationRule && uncovered(held.rules, fullAuthority).length > 0) {
        throw forbidden('must have cluster-admin privileges to use the aggregationRule');
      }
      return;
    }
    const roleRef = (obj.roleRef ?? {}) as { kind?: string; name?: string };
    const refResource = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
    if (await may(user, 'bind', refResource, roleRef.name ?? '', namespace)) return;
    const target = index.roleRules(roleRef, namespace);
    if ('error' in target) throw errors.notFound({ group: RBAC_GROUP, resource: refResource }, roleRef.name ?? '');
    const missing = uncovered(held.rules, target.rules);
    if (missing.length > 0) throw forbidden(notHeld(user, missing, held.errors));
  };

  return {
    name: 'RBACEscalation',
    async admit(req) {
      const user = req.user;
      if (!user || req.descriptor.group !== RBAC_GROUP || user.groups.includes('system:masters')) return;
      await check(req, user);
    },
  };
}
