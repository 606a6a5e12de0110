// Whether a binding's subject names the caller: a user by name, a group the caller is in, or a
// service account, which authenticates as the user `system:serviceaccount:<namespace>:<name>`.

export interface Subject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}

export const serviceAccountPrefix = 'system:serviceaccount:';

export function serviceAccountUser(namespace: string, name: string): string {
  return `${serviceAccountPrefix}${namespace}:${name}`;
}

/** The groups upstream gives every service account, all of them and those of its namespace. */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
}

/** Splits `system:serviceaccount:<ns>:<name>`, or undefined for any other user. */
export function parseServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(serviceAccountPrefix)) return undefined;
  const rest = user.slice(serviceAccountPrefix.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1 || rest.indexOf(':', colon + 1) >= 0) return undefined;
  return { namespace: rest.slice(0, colon), name: rest.slice(colon + 1) };
}

/**
 * The key a subject is indexed by: `u:<user>` or `g:<group>`; undefined for a subject no one can
 * be (an unknown kind). A service account without a namespace is in the binding's.
 */
export function subjectKey(s: Subject, bindingNamespace: string | undefined): string | undefined {
  if (!s.name) return undefined;
  switch (s.kind) {
    case 'User':
      return `u:${s.name}`;
    case 'Group':
      return `g:${s.name}`;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns ? `u:${serviceAccountUser(ns, s.name)}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Every key under which a binding naming this caller is indexed. */
export function keysOf(user: { name: string; groups: readonly string[] }): string[] {
  return [`u:${user.name}`, ...user.groups.map((g) => `g:${g}`)];
}

/** How upstream names a subject in an "allowed by" reason. */
export function describeSubject(s: Subject, bindingNamespace: string | undefined): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${s.namespace || bindingNamespace || ''}/${s.name ?? ''}"`;
  return `${s.kind ?? ''} "${s.name ?? ''}"`;
}
