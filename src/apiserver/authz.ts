// Until RBAC exists: system:masters may do anything; every authenticated user may read discovery,
// OpenAPI and health and ask self reviews; the rest is refused with the message kube-apiserver's RBAC would give.
import type { UserInfo } from './authn.js';
import type { RequestInfo } from './request-info.js';
import type { PolicyRule } from './rbac/rules.js';

export interface Decision {
  allowed: boolean;
  reason?: string;
}

export interface Authorizer {
  // May read the cluster (the node authorizer checks which node a pod is bound to), hence a promise.
  authorize(user: UserInfo, info: RequestInfo): Decision | Promise<Decision>;
  /** What the user may do in a namespace, for SelfSubjectRulesReview; absent when the authorizer
   *  cannot list what it grants. */
  rulesFor?(user: UserInfo, namespace: string | undefined): SubjectRules | Promise<SubjectRules>;
}

export interface SubjectRules {
  rules: PolicyRule[];
  /** True when some authorizer could not say everything it would allow. */
  incomplete: boolean;
  evaluationError?: string;
}

const discoveryPaths = [/^\/api\/?$/, /^\/apis(\/[^/]+){0,2}\/?$/, /^\/api\/v1\/?$/, /^\/version\/?$/, /^\/openapi\//, /^\/healthz/, /^\/livez/, /^\/readyz/];

const selfReviews = new Set(['authorization.k8s.io/selfsubjectaccessreviews', 'authentication.k8s.io/selfsubjectreviews']);

export const mastersAuthorizer: Authorizer = {
  authorize(user, info) {
    if (user.groups.includes('system:masters')) return { allowed: true };
    if (info.kind === 'nonresource' && info.verb === 'get' && discoveryPaths.some((re) => re.test(info.path))) {
      return { allowed: true };
    }
    // Everyone may ask who they are and what they may do.
    if (info.kind === 'resource' && info.verb === 'create' && selfReviews.has(`${info.group}/${info.resource}`)) return { allowed: true };
    return { allowed: false };
  },
};

/** With RBAC in the chain: system:masters may do anything, even with the cluster-admin binding
 *  deleted, as kube-apiserver's own bypass for that group; everyone else is RBAC's. */
export const systemMastersAuthorizer: Authorizer = {
  authorize: (user) => ({ allowed: user.groups.includes('system:masters') }),
  rulesFor: (user) => ({
    rules: user.groups.includes('system:masters') ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] : [],
    incomplete: false,
  }),
};

/** The Forbidden message kube-apiserver writes, e.g.
 *  `configmaps "x" is forbidden: User "bob" cannot get resource "configmaps" in API group "" in the namespace "default"`. */
export function forbiddenMessage(user: UserInfo, info: RequestInfo): string {
  if (info.kind === 'nonresource') {
    return `forbidden: User "${user.name}" cannot ${info.verb} path "${info.path}"`;
  }
  const qualified = info.group ? `${info.resource}.${info.group}` : info.resource;
  const subject = info.name !== undefined ? `${qualified} "${info.name}"` : qualified;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  // A Namespace object is "in" itself, as upstream's request attributes have it.
  const namespace = info.namespace ?? (info.group === '' && info.resource === 'namespaces' ? info.name : undefined);
  const scope = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${info.group}" ${scope}`;
}
