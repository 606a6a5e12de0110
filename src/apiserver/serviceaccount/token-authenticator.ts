// Bearer tokens signed by our ServiceAccount keys: verified once (signature, issuer, audience,
// expiry), then remembered until they expire, so a repeated request costs a map lookup. What a
// token is bound to is checked on every request, against watched caches rather than the
// datastore: the ServiceAccount must still exist with the same uid, and so must a bound Pod or
// Secret (a deleted pod's token stops working at once, not when it expires).
import type { KObject } from '../../registry/types.js';
import type { UserInfo } from '../authn.js';
import { JwtError, type Claims } from './jwt.js';
import { LEGACY_ISSUER, type ServiceAccountTokenIssuer } from './token-issuer.js';

/** A read of the current objects of one kind, kept current by a watch. */
export interface ObjectLookup {
  get(namespace: string | undefined, name: string): KObject | undefined;
}

export interface ServiceAccountCaches {
  serviceAccounts: ObjectLookup;
  pods: ObjectLookup;
  secrets: ObjectLookup;
}

export interface ServiceAccountAuthenticator {
  /** The user a token stands for, or undefined when it is none of ours or no longer valid.
   *  `audiences` replaces the server's own (a TokenReview's spec.audiences). */
  authenticateToken(token: string, audiences?: readonly string[]): { user: UserInfo; audiences: string[] } | undefined;
  attach(caches: ServiceAccountCaches): void;
  /** Tokens remembered right now (for tests and the benchmark). */
  readonly cached: number;
}

interface Verified {
  user: UserInfo;
  namespace: string;
  /** Milliseconds; Infinity for legacy tokens. */
  expiresAt: number;
  notBefore: number;
  audiences: string[];
  serviceAccount: { name: string; uid?: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid?: string };
  /** Legacy tokens live only as long as their Secret holds exactly them. */
  legacy: boolean;
}

export interface AuthenticatorOptions {
  issuer: ServiceAccountTokenIssuer;
  now?: () => number;
  /** How many verified tokens to remember; the oldest goes first. */
  maxCached?: number;
}

export const serviceAccountGroups = (namespace: string) => ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];

export function createServiceAccountAuthenticator(o: AuthenticatorOptions): ServiceAccountAuthenticator {
  const now = o.now ?? Date.now;
  const max = o.maxCached ?? 10_000;
  const cache = new Map<string, Verified>();
  let caches: ServiceAccountCaches | undefined;

  const verify = (token: string): Verified | undefined => {
    let claims: Claims;
    try {
      claims = o.issuer.verify(token);
    } catch (err) {
      if (err instanceof JwtError) return undefined;
      throw err;
    }
    if (claims.iss === LEGACY_ISSUER) return legacyClaims(claims);
    if (claims.iss !== o.issuer.issuer) return undefined;
    const k8s = claims['kubernetes.io'] as Record<string, any> | undefined;
    const namespace = k8s?.namespace;
    const sa = k8s?.serviceaccount;
    if (typeof namespace !== 'string' || typeof sa?.name !== 'string' || typeof claims.exp !== 'number') return undefined;
    const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : typeof claims.aud === 'string' ? [claims.aud] : [];
    return {
      user: { name: `system:serviceaccount:${namespace}:${sa.name}`, uid: sa.uid, groups: serviceAccountGroups(namespace) },
      namespace,
      expiresAt: claims.exp * 1000,
      notBefore: typeof claims.nbf === 'number' ? claims.nbf * 1000 : 0,
      audiences: aud,
      serviceAccount: { name: sa.name, uid: sa.uid },
      ...(k8s?.pod?.name ? { pod: { name: String(k8s.pod.name), uid: String(k8s.pod.uid ?? '') } } : {}),
      ...(k8s?.secret?.name ? { secret: { name: String(k8s.secret.name), uid: String(k8s.secret.uid ?? '') } } : {}),
      legacy: false,
    };
  };

  const stillValid = (v: Verified, token: string, t: number): boolean => {
    if (t >= v.expiresAt || t + 60_000 < v.notBefore) return false;
    if (!caches) return false;
    const sa = caches.serviceAccounts.get(v.namespace, v.serviceAccount.name);
    if (!sa || (v.serviceAccount.uid && sa.metadata.uid !== v.serviceAccount.uid)) return false;
    if (v.pod) {
      const pod = caches.pods.get(v.namespace, v.pod.name);
      if (!pod || pod.metadata.uid !== v.pod.uid) return false;
    }
    if (v.secret) {
      const secret = caches.secrets.get(v.namespace, v.secret.name);
      if (!secret || (v.secret.uid && secret.metadata.uid !== v.secret.uid)) return false;
      if (v.legacy && Buffer.from(String((secret.data as Record<string, string> | undefined)?.token ?? ''), 'base64').toString('utf8') !== token) return false;
    }
    return true;
  };

  return {
    get cached() {
      return cache.size;
    },
    attach(c) {
      caches = c;
    },
    authenticateToken(token, audiences = o.issuer.audiences) {
      const t = now();
      let v = cache.get(token);
      if (!v) {
        v = verify(token);
        if (!v) return undefined;
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(token, v);
      }
      if (!stillValid(v, token, t)) {
        if (t >= v.expiresAt) cache.delete(token);
        return undefined;
      }
      // Legacy tokens name no audience and are taken as meant for this server, as upstream does.
      const granted = v.legacy ? [...audiences] : v.audiences.filter((a) => audiences.includes(a));
      if (granted.length === 0) return undefined;
      return { user: v.user, audiences: granted };
    },
  };
}

function legacyClaims(claims: Claims): Verified | undefined {
  const str = (k: string) => (typeof claims[`kubernetes.io/serviceaccount/${k}`] === 'string' ? (claims[`kubernetes.io/serviceaccount/${k}`] as string) : '');
  const namespace = str('namespace');
  const name = str('service-account.name');
  const secretName = str('secret.name');
  if (!namespace || !name || !secretName) return undefined;
  return {
    user: { name: `system:serviceaccount:${namespace}:${name}`, uid: str('service-account.uid') || undefined, groups: serviceAccountGroups(namespace) },
    namespace,
    expiresAt: Infinity,
    notBefore: 0,
    audiences: [],
    serviceAccount: { name, uid: str('service-account.uid') || undefined },
    secret: { name: secretName },
    legacy: true,
  };
}
