// POST tokenreviews: is this bearer token valid for these audiences, and whose is it. Asked by
// webhooks and aggregated API servers that delegate authentication to this server.
import type { UserInfo } from '../authn.js';
import { errors } from '../errors.js';
import { readObjectBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { checkTypeMeta } from '../resources/prepare.js';
import { enforceKnownFields } from '../resources/field-validation.js';
import { fieldError } from '../../registry/field-errors.js';
import type { ReadRequest } from './read.js';

/** Static tokens (the server token, --token-auth-file) are for this server, whatever the audience. */
export type StaticTokenLookup = (token: string) => UserInfo | undefined;

export async function handleTokenReview(r: ReadRequest, staticToken?: StaticTokenLookup): Promise<void> {
  const obj = checkTypeMeta(r.d, await readObjectBody(r.req));
  enforceKnownFields(r.d, obj, 'Ignore');
  const spec = (obj.spec ?? {}) as { token?: string; audiences?: string[] };
  if (!spec.token) throw errors.invalid('TokenReview', 'authentication.k8s.io', obj.metadata.name ?? '', [fieldError.required('spec.token')]);
  const sa = r.ctx.serviceAccountTokens;
  const wanted = spec.audiences?.length ? spec.audiences : sa ? [...sa.issuer.audiences] : [];
  let found: { user: UserInfo; audiences: string[] } | undefined;
  const known = staticToken?.(spec.token);
  if (known) found = { user: known, audiences: wanted };
  else if (sa) found = sa.authenticator.authenticateToken(spec.token, wanted);
  const status = found
    ? {
        authenticated: true,
        user: { username: found.user.name, ...(found.user.uid ? { uid: found.user.uid } : {}), groups: found.user.groups },
        audiences: found.audiences,
      }
    : { user: {}, error: '[invalid bearer token, token lookup failed]' };
  sendJson(r.req, r.res, 201, { kind: 'TokenReview', apiVersion: obj.apiVersion, metadata: { ...obj.metadata, creationTimestamp: null }, spec, status });
}
