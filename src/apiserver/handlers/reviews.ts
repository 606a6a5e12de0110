// POST of a self review answers who the caller is (`kubectl auth whoami`) or whether the caller
// may do something (`kubectl auth can-i`), using the same authorizer that guards every request.
import type { UserInfo } from '../authn.js';
import type { Authorizer } from '../authz.js';
import { errors } from '../errors.js';
import { readObjectBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import type { RequestInfo } from '../request-info.js';
import { checkTypeMeta } from '../resources/prepare.js';
import { enforceKnownFields } from '../resources/field-validation.js';
import type { ReadRequest } from './read.js';

interface AccessReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

export async function handleReview(r: ReadRequest, user: UserInfo, authorizer: Authorizer): Promise<void> {
  const obj = checkTypeMeta(r.d, await readObjectBody(r.req));
  enforceKnownFields(r.d, obj, 'Ignore');
  const metadata = { ...obj.metadata, creationTimestamp: null };
  if (r.d.kind === 'SelfSubjectReview') {
    const userInfo = { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups };
    sendJson(r.req, r.res, 201, { kind: r.d.kind, apiVersion: obj.apiVersion, metadata, status: { userInfo } });
    return;
  }
  const spec = (obj.spec ?? {}) as AccessReviewSpec;
  const res = spec.resourceAttributes;
  const nonRes = spec.nonResourceAttributes;
  if ((res ? 1 : 0) + (nonRes ? 1 : 0) !== 1) {
    throw errors.invalid(r.d.kind, r.d.group, '', [
      { reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' },
    ]);
  }
  const info: RequestInfo = res
    ? {
        kind: 'resource',
        verb: res.verb ?? '',
        group: res.group ?? '',
        version: res.version ?? '',
        resource: res.resource ?? '',
        ...(res.namespace ? { namespace: res.namespace } : {}),
        ...(res.name ? { name: res.name } : {}),
        ...(res.subresource ? { subresource: res.subresource } : {}),
      }
    : { kind: 'nonresource', verb: nonRes!.verb ?? '', path: nonRes!.path ?? '' };
  const decision = await authorizer.authorize(user, info);
  const status = { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
  sendJson(r.req, r.res, 201, { kind: r.d.kind, apiVersion: obj.apiVersion, metadata, spec, status });
}
