// serviceaccounts/token (authentication.k8s.io/v1 TokenRequest): a token for one ServiceAccount,
// for the audiences asked (the server's own by default), valid for expirationSeconds (default one
// hour, at least ten minutes), optionally bound to a Pod or Secret of the same namespace so it
// stops working when that object goes. Nothing is stored. A node may only ask for tokens bound to
// pods scheduled to it, as upstream's node restriction admission says.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { fieldError, type FieldError } from '../../registry/field-errors.js';
import { nodeNameOf } from '../node-authorizer.js';
import { errors } from '../errors.js';
import type { RequestUser, ResourceContext } from '../resources/context.js';
import type { ObjectRef, ServiceAccountTokenIssuer } from './token-issuer.js';

const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
export const DEFAULT_EXPIRATION_SECONDS = 3600;

interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: BoundObjectRef | null;
}

function validate(spec: TokenRequestSpec): FieldError[] {
  const errs: FieldError[] = [];
  const s = spec.expirationSeconds;
  if (typeof s !== 'number' || !Number.isInteger(s)) errs.push(fieldError.invalid('spec.expirationSeconds', s ?? null, 'must be a whole number of seconds'));
  else if (s < MIN_SECONDS) errs.push(fieldError.invalid('spec.expirationSeconds', s, 'may not specify a duration less than 10 minutes'));
  else if (s > MAX_SECONDS) errs.push(fieldError.invalid('spec.expirationSeconds', s, 'may not specify a duration larger than 2^32 seconds'));
  if (spec.audiences != null && (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string'))) {
    errs.push(fieldError.invalid('spec.audiences', spec.audiences, 'must be a list of strings'));
  }
  return errs;
}

const find = (ctx: ResourceContext, resource: string): ResourceDescriptor => ctx.registry.findByResource('', 'v1', resource)!;

export interface TokenRequestDeps {
  ctx: ResourceContext;
  issuer: ServiceAccountTokenIssuer;
  now?: () => number;
}

/** The answered TokenRequest (its status holds the token), or an ApiError as upstream answers. */
export async function requestToken(deps: TokenRequestDeps, namespace: string, name: string, body: KObject, user?: RequestUser): Promise<KObject> {
  const { ctx, issuer } = deps;
  const given = (body.spec ?? {}) as TokenRequestSpec;
  const spec: TokenRequestSpec = {
    audiences: given.audiences?.length ? given.audiences : [...issuer.audiences],
    expirationSeconds: given.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS,
    ...(given.boundObjectRef ? { boundObjectRef: given.boundObjectRef } : {}),
  };
  const errs = validate(spec);
  if (errs.length) throw errors.invalid('TokenRequest', 'authentication.k8s.io', '', errs);
  const sa = await ctx.store.get(find(ctx, 'serviceaccounts'), namespace, name);
  if (sa.metadata.deletionTimestamp) throw errors.notFound({ group: '', resource: 'serviceaccounts' }, name);
  let pod: ObjectRef | undefined;
  let secret: ObjectRef | undefined;
  let node: ObjectRef | undefined;
  const ref = spec.boundObjectRef;
  const requester = user ? nodeNameOf(user) : undefined;
  if (ref) {
    const bound = await boundObject(ctx, namespace, name, ref);
    const refOut = { kind: ref.kind, apiVersion: ref.apiVersion ?? 'v1', name: ref.name, uid: bound.metadata.uid };
    spec.boundObjectRef = refOut;
    const me = { name: bound.metadata.name!, uid: bound.metadata.uid! };
    if (ref.kind === 'Pod') {
      pod = me;
      const nodeName = (bound.spec as { nodeName?: string } | undefined)?.nodeName;
      if (requester !== undefined && nodeName !== requester) {
        throw errors.forbidden(`serviceaccounts "${name}" is forbidden: node requested token bound to a pod scheduled on a different node`, { group: '', resource: 'serviceaccounts' }, name);
      }
      if (nodeName) {
        const n = await ctx.store.tryGet(find(ctx, 'nodes'), undefined, nodeName);
        if (n) node = { name: nodeName, uid: n.metadata.uid! };
      }
    } else secret = me;
  }
  if (requester !== undefined && !pod) {
    throw errors.forbidden(`serviceaccounts "${name}" is forbidden: node requested token not bound to a pod`, { group: '', resource: 'serviceaccounts' }, name);
  }
  const { token, expiration } = issuer.issue({
    namespace,
    serviceAccount: { name, uid: sa.metadata.uid! },
    audiences: spec.audiences!,
    expirationSeconds: spec.expirationSeconds!,
    pod,
    secret,
    node,
  });
  const created = new Date(deps.now?.() ?? Date.now());
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: created.toISOString().replace(/\.\d+Z$/, 'Z') },
    spec,
    status: { token, expirationTimestamp: expiration.toISOString().replace(/\.\d+Z$/, 'Z') },
  } as KObject;
}

async function boundObject(ctx: ResourceContext, namespace: string, saName: string, ref: BoundObjectRef): Promise<KObject> {
  const gv = ref.apiVersion ?? 'v1';
  if (gv !== 'v1' || (ref.kind !== 'Pod' && ref.kind !== 'Secret')) {
    throw errors.badRequest(`cannot bind token to object of type ${gv === 'v1' ? '/v1' : gv}, Kind=${ref.kind ?? ''}`);
  }
  if (!ref.name) throw errors.invalid('TokenRequest', 'authentication.k8s.io', '', [fieldError.required('spec.boundObjectRef.name')]);
  const resource = ref.kind === 'Pod' ? 'pods' : 'secrets';
  const obj = await ctx.store.get(find(ctx, resource), namespace, ref.name);
  if (ref.uid && ref.uid !== obj.metadata.uid) {
    throw errors.conflict(
      { group: '', resource: ref.kind },
      ref.name,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  if (ref.kind === 'Pod' && ((obj.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? 'default') !== saName) {
    throw errors.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  }
  return obj;
}
