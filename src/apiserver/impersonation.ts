// `kubectl --as=<user> --as-group=<group>`: the Impersonate-User, Impersonate-Group and
// Impersonate-Uid headers make a request act as someone else, if the caller may `impersonate`
// each of them (users, groups, serviceaccounts, uids). The acting user then goes through
// authorization like any other.
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './authn.js';
import { forbiddenMessage, type Authorizer } from './authz.js';
import { errors } from './errors.js';
import type { ResourceRequest } from './request-info.js';
import { parseServiceAccountUser, serviceAccountGroups } from './rbac/subjects.js';

const values = (req: IncomingMessage, name: string): string[] => req.headersDistinct[name] ?? [];

export function wantsImpersonation(req: IncomingMessage): boolean {
  return Object.keys(req.headers).some((h) => h.startsWith('impersonate-'));
}

/** The user the request acts as; throws Forbidden when the caller may not impersonate it. */
export async function impersonate(req: IncomingMessage, caller: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  const [name, ...moreNames] = values(req, 'impersonate-user');
  const groups = values(req, 'impersonate-group');
  const [uid] = values(req, 'impersonate-uid');
  if (Object.keys(req.headers).some((h) => h.startsWith('impersonate-extra-'))) {
    throw errors.badRequest('impersonating user extras is not supported by k3ts');
  }
  if (name === undefined || name === '' || moreNames.length > 0) {
    throw errors.badRequest('requested impersonation of groups or a uid without impersonating exactly one user');
  }
  const check = async (attrs: Omit<ResourceRequest, 'kind' | 'verb' | 'version'>) => {
    const info: ResourceRequest = { kind: 'resource', verb: 'impersonate', version: '', ...attrs };
    const d = await authorizer.authorize(caller, info);
    if (!d.allowed) throw errors.forbidden(forbiddenMessage(caller, info), { group: info.group, resource: info.resource }, info.name);
  };
  const sa = parseServiceAccountUser(name);
  if (sa) await check({ group: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else await check({ group: '', resource: 'users', name });
  for (const g of groups) await check({ group: '', resource: 'groups', name: g });
  if (uid !== undefined) await check({ group: 'authentication.k8s.io', resource: 'uids', name: uid });

  // A service account's groups are fixed; they are implied when none are asked for.
  const acting = groups.length === 0 && sa ? serviceAccountGroups(sa.namespace) : [...groups];
  if (name === 'system:anonymous') {
    if (!acting.includes('system:unauthenticated')) acting.push('system:unauthenticated');
  } else if (!acting.includes('system:authenticated')) acting.push('system:authenticated');
  return { name, groups: acting, ...(uid !== undefined ? { uid } : {}) };
}
