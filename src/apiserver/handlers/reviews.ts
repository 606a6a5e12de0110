// POST of a review: who the caller is (`kubectl auth whoami`), whether the caller or another
// subject may do something (`kubectl auth can-i`, SubjectAccessReview, LocalSubjectAccessReview),
// or everything the caller may do in a namespace (`kubectl auth can-i --list`). Answered by the
// same authorizer that guards every request; nothing is stored.
import type { UserInfo } from '../authn.js';
import type { Authorizer, SubjectRules } from '../authz.js';
import { errors } from '../errors.js';
import { readObjectBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import type { RequestInfo } from '../request-info.js';
import { checkTypeMeta } from '../resources/prepare.js';
import { enforceKnownFields } from '../resources/field-validation.js';
import { fieldError, type FieldError } from '../../registry/field-errors.js';
import type { ReadRequest } from './read.js';

interface ResourceAttributes { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string }

interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
}

function toRequestInfo(spec: AccessReviewSpec): RequestInfo {
  const res = spec.resourceAttributes;
  if (!res) return { kind: 'nonresource', verb: spec.nonResourceAttributes?.verb ?? '', path: spec.nonResourceAttributes?.path ?? '' };
  return {
    kind: 'resource',
    verb: res.verb ?? '',
    group: res.group ?? '',
    version: res.version ?? '',
    resource: res.resource ?? '',
    ...(res.namespace ? { namespace: res.namespace } : {}),
    ...(res.name ? { name: res.name } : {}),
    ...(res.subresource ? { subresource: res.subresource } : {}),
  };
}

/** The checks upstream's validation makes of an access review's spec. */
function validateSpec(kind: string, spec: AccessReviewSpec, urlNamespace: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const res = spec.resourceAttributes;
  const nonRes = spec.nonResourceAttributes;
  if ((res ? 1 : 0) + (nonRes ? 1 : 0) !== 1) {
    errs.push(fieldError.required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  if (kind === 'SubjectAccessReview' || kind === 'LocalSubjectAccessReview') {
    if (!spec.user && (spec.groups ?? []).length === 0) errs.push(fieldError.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  }
  if (kind === 'LocalSubjectAccessReview') {
    if (nonRes) errs.push(fieldError.invalidGo('spec.nonResourceAttributes', `&authorization.NonResourceAttributes{Path:${JSON.stringify(nonRes.path ?? '')}, Verb:${JSON.stringify(nonRes.verb ?? '')}}`, 'disallowed on this kind of request'));
    if (res && (res.namespace ?? '') !== (urlNamespace ?? '')) errs.push(fieldError.invalid('spec.resourceAttributes.namespace', res.namespace ?? '', 'must match metadata.namespace'));
  }
  return errs;
}

/** Upstream's split of rules into the two lists of a SubjectRulesReviewStatus. */
function rulesStatus(r: SubjectRules) {
  const resourceRules = r.rules
    .filter((rule) => !(rule.nonResourceURLs ?? []).length)
    .map((rule) => ({ verbs: rule.verbs ?? [], apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}) }));
  const nonResourceRules = r.rules
    .filter((rule) => (rule.nonResourceURLs ?? []).length)
    .map((rule) => ({ verbs: rule.verbs ?? [], nonResourceURLs: rule.nonResourceURLs }));
  return { resourceRules, nonResourceRules, incomplete: r.incomplete, ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}) };
}

export async function handleReview(r: ReadRequest, user: UserInfo, authorizer: Authorizer): Promise<void> {
  const obj = checkTypeMeta(r.d, await readObjectBody(r.req));
  enforceKnownFields(r.d, obj, 'Ignore');
  const metadata = { ...obj.metadata, ...(r.namespace ? { namespace: r.namespace } : {}), creationTimestamp: null };
  const answer = (extra: Record<string, unknown>) => sendJson(r.req, r.res, 201, { kind: r.d.kind, apiVersion: obj.apiVersion, metadata, ...extra });
  if (r.d.kind === 'SelfSubjectReview') {
    return answer({ status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups } } });
  }
  if (r.d.kind === 'SelfSubjectRulesReview') {
    const spec = (obj.spec ?? {}) as { namespace?: string };
    const rules = authorizer.rulesFor ? await authorizer.rulesFor(user, spec.namespace || undefined) : { rules: [], incomplete: true };
    return answer({ spec, status: rulesStatus(rules) });
  }
  const spec = { ...((obj.spec ?? {}) as AccessReviewSpec) };
  // A local review without a namespace in its attributes asks about the one in its URL.
  if (r.d.kind === 'LocalSubjectAccessReview' && spec.resourceAttributes && !spec.resourceAttributes.namespace) {
    spec.resourceAttributes = { ...spec.resourceAttributes, namespace: r.namespace };
  }
  const errs = validateSpec(r.d.kind, spec, r.namespace);
  if (errs.length > 0) throw errors.invalid(r.d.kind, r.d.group, obj.metadata.name ?? '', errs);
  // A subject review asks about the user it names, with exactly the groups it names.
  const subject: UserInfo = r.d.kind === 'SelfSubjectAccessReview' ? user : { name: spec.user ?? '', ...(spec.uid ? { uid: spec.uid } : {}), groups: spec.groups ?? [] };
  const decision = await authorizer.authorize(subject, toRequestInfo(spec));
  answer({ spec, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } });
}
