// Legacy ServiceAccount token Secrets, made only when someone asks for one: a Secret of type
// kubernetes.io/service-account-token naming its ServiceAccount in an annotation gets `token`,
// `ca.crt` and `namespace` filled in. Such tokens never expire; they stop working when the Secret
// or the ServiceAccount goes (the authenticator checks both).
import { getIfExists, hasReason, type Client, type ResourceType } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { runController, type ReconcileResult, type RunningController } from './runtime/run-controller.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const secrets: ResourceType = { group: '', version: 'v1', resource: 'secrets' };
const serviceAccounts: ResourceType = { group: '', version: 'v1', resource: 'serviceaccounts' };

export interface TokenSecretsOptions {
  client: Client;
  caPem: string;
  /** Signs a legacy token (the API server's issuer, passed down so controllers hold no key logic). */
  signLegacy(namespace: string, serviceAccount: { name: string; uid: string }, secretName: string): string;
  onError?(key: string, err: unknown): void;
}

export async function reconcileTokenSecret(o: TokenSecretsOptions, key: string): Promise<ReconcileResult | void> {
  const [namespace, name] = key.split('/');
  const secret = await getIfExists(o.client, secrets, namespace, name);
  if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE || secret.metadata.deletionTimestamp) return;
  const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION];
  if (!saName) return;
  const sa = await getIfExists(o.client, serviceAccounts, namespace, saName);
  // Nothing to sign for yet: look again a little later, the ServiceAccount may be on its way.
  if (!sa) return { requeueAfterMs: 5_000 };
  const data = (secret.data ?? {}) as Record<string, string>;
  const uidNoted = secret.metadata.annotations?.[SA_UID_ANNOTATION];
  if (data.token && (!uidNoted || uidNoted === sa.metadata.uid)) return;
  const next: KObject = structuredClone(secret);
  next.metadata.annotations = { ...next.metadata.annotations, [SA_UID_ANNOTATION]: sa.metadata.uid! };
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  next.data = {
    ...data,
    token: b64(o.signLegacy(namespace, { name: saName, uid: sa.metadata.uid! }, name)),
    'ca.crt': b64(o.caPem),
    namespace: b64(namespace),
  };
  try {
    await o.client.update(secrets, next);
  } catch (err) {
    // Changed or deleted meanwhile: the watch brings the key back if there is still work.
    if (!hasReason(err, 'Conflict') && !hasReason(err, 'NotFound')) throw err;
  }
}

export function runTokenSecretsController(o: TokenSecretsOptions, signal: AbortSignal): Promise<RunningController> {
  return runController({ name: 'service-account-token-secrets', client: o.client, for: secrets, reconcile: (key) => reconcileTokenSecret(o, key), onError: o.onError }, signal);
}
