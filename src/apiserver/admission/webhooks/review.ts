// The AdmissionReview a webhook receives and what its answer must hold.
import { randomUUID } from 'node:crypto';
import type { KObject } from '../../../registry/types.js';
import type { WebhookOperation } from './rules.js';

export interface GroupVersionKind { group: string; version: string; kind: string }
export interface GroupVersionResource { group: string; version: string; resource: string }

export interface ReviewUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ReviewInput {
  /** The kind and resource as the webhook sees them (its matched version). */
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  /** As the client asked. */
  requestKind: GroupVersionKind;
  requestResource: GroupVersionResource;
  subresource: string;
  name: string;
  namespace?: string;
  operation: WebhookOperation;
  user: ReviewUser;
  object?: KObject;
  oldObject?: KObject;
  dryRun: boolean;
  options?: Record<string, unknown>;
}

export function buildReview(version: string, input: ReviewInput): { uid: string; body: string } {
  const uid = randomUUID();
  const request: Record<string, unknown> = {
    uid,
    kind: input.kind,
    resource: input.resource,
    requestKind: input.requestKind,
    requestResource: input.requestResource,
    name: input.name,
    operation: input.operation,
    userInfo: {
      username: input.user.name,
      ...(input.user.uid ? { uid: input.user.uid } : {}),
      groups: input.user.groups,
      ...(input.user.extra ? { extra: input.user.extra } : {}),
    },
    object: input.object ?? null,
    oldObject: input.oldObject ?? null,
    dryRun: input.dryRun,
    options: input.options ?? null,
  };
  if (input.subresource) {
    request.subResource = input.subresource;
    request.requestSubResource = input.subresource;
  }
  if (input.namespace) request.namespace = input.namespace;
  return { uid, body: JSON.stringify({ apiVersion: `admission.k8s.io/${version}`, kind: 'AdmissionReview', request }) };
}

export interface ReviewResult {
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string; details?: Record<string, unknown> };
  /** Decoded JSONPatch operations, mutating webhooks only. */
  patch?: unknown[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** Checks the answer; a string is the problem, in upstream's words. */
export function readResponse(uid: string, answer: unknown, mutating: boolean): ReviewResult | string {
  const review = answer as { response?: Record<string, unknown> } | null;
  if (typeof review !== 'object' || review === null || Array.isArray(review)) return 'webhook response was not an AdmissionReview object';
  const r = review.response;
  if (typeof r !== 'object' || r === null) return 'webhook response was absent';
  if (r.uid !== uid) return `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(r.uid ?? '')}`;
  const result: ReviewResult = {
    allowed: r.allowed === true,
    warnings: Array.isArray(r.warnings) ? r.warnings.filter((w): w is string => typeof w === 'string') : [],
    auditAnnotations: {},
  };
  if (typeof r.status === 'object' && r.status !== null) result.status = r.status as ReviewResult['status'];
  if (typeof r.auditAnnotations === 'object' && r.auditAnnotations !== null) {
    for (const [k, v] of Object.entries(r.auditAnnotations)) if (typeof v === 'string') result.auditAnnotations[k] = v;
  }
  const hasPatch = typeof r.patch === 'string' && r.patch !== '';
  const hasType = typeof r.patchType === 'string' && r.patchType !== '';
  if (hasPatch !== hasType) return hasPatch ? 'webhook returned response.patch but not response.patchType' : 'webhook returned response.patchType but not response.patch';
  if (hasPatch) {
    if (!mutating) return 'validating webhook may not return response.patch';
    if (r.patchType !== 'JSONPatch') return `webhook returned invalid response.patchType of ${JSON.stringify(r.patchType)}`;
    try {
      const ops = JSON.parse(Buffer.from(r.patch as string, 'base64').toString('utf8')) as unknown;
      if (!Array.isArray(ops)) return 'webhook returned a patch that is not a JSON array of operations';
      result.patch = ops;
    } catch (err) {
      return `webhook returned an unreadable patch: ${(err as Error).message}`;
    }
  }
  return result;
}
