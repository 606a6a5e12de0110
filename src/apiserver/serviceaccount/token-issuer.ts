// Makes and checks the signature of ServiceAccount tokens: bound tokens (TokenRequest: audiences,
// expiry, optionally a Pod or Secret they die with) and legacy ones (a token Secret's, no expiry).
// The claims follow upstream's layout, so tools that decode a token read what they expect.
import { generateKeyPairSync, randomUUID, createPublicKey, type KeyObject } from 'node:crypto';
import type { ServiceAccountKeys } from '../../pki/service-account-keys.js';
import { keyId, signJwt, verifyJwt, type Claims } from './jwt.js';

/** The issuer and audience K3s gives its API server (`--service-account-issuer`, `--api-audiences`). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_AUDIENCES = [DEFAULT_ISSUER, 'k3s'];
/** Legacy Secret tokens carry this issuer, as upstream's. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface BoundTokenRequest {
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  expirationSeconds: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface ServiceAccountTokenIssuer {
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** A signed bound token and when it expires. */
  issue(req: BoundTokenRequest): { token: string; expiration: Date };
  /** A signed legacy token for a `kubernetes.io/service-account-token` Secret: no expiry. */
  issueLegacy(namespace: string, serviceAccount: ObjectRef, secretName: string): string;
  /** The claims when one of the keys signed the token; throws otherwise. */
  verify(token: string): Claims;
}

export interface IssuerOptions {
  /** The server's keys, or their promise (made off the start's critical path: an RSA key takes
   *  ~100 ms, seconds on a loaded machine). Without them (tests of the control plane alone) a key
   *  is made in memory on first use. */
  keys?: ServiceAccountKeys | Promise<ServiceAccountKeys>;
  issuer?: string;
  audiences?: string[];
  now?: () => number;
}

export function createTokenIssuer(o: IssuerOptions = {}): ServiceAccountTokenIssuer {
  const issuer = o.issuer ?? DEFAULT_ISSUER;
  const audiences = o.audiences ?? DEFAULT_AUDIENCES;
  const now = o.now ?? Date.now;
  let keys: { signing: KeyObject; kid: string; verifying: Array<{ kid: string; key: KeyObject }> } | undefined;
  const use = (k: ServiceAccountKeys) => (keys = { signing: k.signing, kid: keyId(k.signing), verifying: k.verifying.map((key) => ({ kid: keyId(key), key })) });
  let pending = false;
  if (o.keys instanceof Promise) {
    pending = true;
    // A failure is the server's to report (it awaits the same promise before serving).
    o.keys.then(use, () => undefined).finally(() => (pending = false));
  } else if (o.keys) use(o.keys);
  const ready = () => {
    if (!keys) {
      if (pending) throw new Error('the service account signing keys are still being read');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      use({ signing: privateKey, verifying: [createPublicKey(privateKey)] });
    }
    return keys!;
  };
  return {
    issuer,
    audiences,
    issue(req) {
      const k = ready();
      const iat = Math.floor(now() / 1000);
      const exp = iat + req.expirationSeconds;
      const private_: Claims = {
        namespace: req.namespace,
        ...(req.node ? { node: { name: req.node.name, uid: req.node.uid } } : {}),
        ...(req.pod ? { pod: { name: req.pod.name, uid: req.pod.uid } } : {}),
        ...(req.secret ? { secret: { name: req.secret.name, uid: req.secret.uid } } : {}),
        serviceaccount: { name: req.serviceAccount.name, uid: req.serviceAccount.uid },
      };
      const claims: Claims = {
        aud: req.audiences,
        exp,
        iat,
        iss: issuer,
        jti: randomUUID(),
        'kubernetes.io': private_,
        nbf: iat,
        sub: `system:serviceaccount:${req.namespace}:${req.serviceAccount.name}`,
      };
      return { token: signJwt(claims, k.signing, k.kid), expiration: new Date(exp * 1000) };
    },
    issueLegacy(namespace, sa, secretName) {
      const k = ready();
      return signJwt(
        {
          iss: LEGACY_ISSUER,
          'kubernetes.io/serviceaccount/namespace': namespace,
          'kubernetes.io/serviceaccount/secret.name': secretName,
          'kubernetes.io/serviceaccount/service-account.name': sa.name,
          'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
          sub: `system:serviceaccount:${namespace}:${sa.name}`,
        },
        k.signing,
        k.kid,
      );
    },
    verify(token) {
      return verifyJwt(token, ready().verifying);
    },
  };
}
