// The RBAC authorizer: allowed when a rule of a role bound to the caller (by user, group or
// service account) matches the request. It never denies outright: a refusal carries only the
// errors met (a binding to a missing role), as upstream's "RBAC: ..." suffix.
import type { Authorizer, Decision } from '../authz.js';
import type { RequestInfo } from '../request-info.js';
import type { PolicyIndex, PolicyUser } from './policy.js';
import { ruleAllows, type RuleRequest } from './rules.js';

/** The namespace a request is decided in. Upstream reads `/namespaces/<n>` as in namespace n, so a
 *  RoleBinding there may grant reading that one Namespace object. */
export function namespaceOf(info: RequestInfo): string | undefined {
  if (info.kind !== 'resource') return undefined;
  if (info.namespace !== undefined) return info.namespace;
  return info.group === '' && info.resource === 'namespaces' && info.name !== undefined ? info.name : undefined;
}

export function toRuleRequest(info: RequestInfo): RuleRequest {
  if (info.kind === 'nonresource') return { kind: 'nonresource', verb: info.verb, path: info.path };
  return { kind: 'resource', verb: info.verb, group: info.group, resource: info.resource, subresource: info.subresource, name: info.name };
}

export function decide(index: PolicyIndex, user: PolicyUser, info: RequestInfo): Decision {
  const req = toRuleRequest(info);
  const errors: string[] = [];
  let allowedBy: string | undefined;
  index.visit(user, namespaceOf(info), (source, rule, error) => {
    if (error) errors.push(error);
    if (rule && ruleAllows(rule, req)) {
      allowedBy = source();
      return false;
    }
    return true;
  });
  if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
  if (errors.length === 0) return { allowed: false };
  return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
}

/** `index` resolves once the caches behind it have their first lists. */
export function createRbacAuthorizer(index: () => PolicyIndex | Promise<PolicyIndex>): Authorizer {
  return {
    async authorize(user, info) {
      return decide(await index(), user, info);
    },
    async rulesFor(user, namespace) {
      const { rules, errors } = (await index()).rulesFor(user, namespace);
      // Upstream reports a missing role as an evaluation error and the list as incomplete.
      return { rules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) };
    },
  };
}
