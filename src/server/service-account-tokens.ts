// ServiceAccount tokens on the control plane: the issuer (TokenRequest, legacy Secrets), the
// authenticator, and the watched caches the authenticator checks bound objects against.
import type { Client } from '../client/types.js';
import type { ResourceContext } from '../apiserver/resources/context.js';
import { createTokenIssuer } from '../apiserver/serviceaccount/token-issuer.js';
import { createServiceAccountAuthenticator } from '../apiserver/serviceaccount/token-authenticator.js';
import { startObjectCache } from '../controllers/runtime/object-cache.js';
import { runTokenSecretsController } from '../controllers/service-account-token-secrets.js';
import type { ServiceAccountKeys } from '../pki/service-account-keys.js';
import type { Logger } from './log.js';

export function createServiceAccountTokens(keys: ServiceAccountKeys | Promise<ServiceAccountKeys> | undefined): NonNullable<ResourceContext['serviceAccountTokens']> {
  const issuer = createTokenIssuer({ keys });
  return { issuer, authenticator: createServiceAccountAuthenticator({ issuer }) };
}

/** Starts the caches (and, on a full control plane, the legacy token Secret controller). */
export async function startServiceAccountTokens(
  o: { tokens: NonNullable<ResourceContext['serviceAccountTokens']>; client: Client; caPem: string; log: Logger; withController: boolean },
  signal: AbortSignal,
): Promise<{ stopped: Promise<void> }> {
  const onError = (err: unknown) => o.log.warn('service account token caches', { error: (err as Error)?.message ?? String(err) });
  const core = (resource: string) => ({ group: '', version: 'v1', resource });
  const [serviceAccounts, pods, secrets] = await Promise.all(
    ['serviceaccounts', 'pods', 'secrets'].map((r) => startObjectCache({ client: o.client, type: core(r), onError }, signal)),
  );
  o.tokens.authenticator.attach({ serviceAccounts, pods, secrets });
  if (!o.withController) return { stopped: Promise.resolve() };
  const controller = await runTokenSecretsController(
    {
      client: o.client,
      caPem: o.caPem,
      signLegacy: (ns, sa, secret) => o.tokens.issuer.issueLegacy(ns, sa, secret),
      onError: (key, err) => o.log.warn('service account token secrets', { key, error: (err as Error)?.message ?? String(err) }),
    },
    signal,
  );
  return { stopped: controller.stopped };
}
