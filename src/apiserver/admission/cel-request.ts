// What a CEL admission expression sees of a request: `object`, `oldObject` and `request` (upstream's
// AdmissionRequest fields), as CEL values. Built once per request and matched version, and shared
// by ValidatingAdmissionPolicies and webhook matchConditions.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { jsonToCel } from '../../registry/cel/values.js';
import type { WebhookOperation } from './webhooks/rules.js';

interface CelUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface CelRequestInput {
  operation: WebhookOperation;
  /** The resource as the client asked for it. */
  descriptor: ResourceDescriptor;
  subresource?: string;
  name: string;
  namespace?: string;
  object?: KObject;
  old?: KObject;
  dryRun: boolean;
  user?: CelUser;
  options?: Record<string, unknown>;
}

const SERVER_USER: CelUser = { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };
const OPTIONS_KIND = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: undefined } as const;

/** `as` is the version the expression is written against (the matched one; objects already in it). */
export function celRequestVariables(req: CelRequestInput, as: ResourceDescriptor, object: KObject | undefined, old: KObject | undefined): Record<string, unknown> {
  const d = req.descriptor;
  const user = req.user ?? SERVER_USER;
  const optionsKind = OPTIONS_KIND[req.operation];
  const request: Record<string, unknown> = {
    kind: { group: as.group, version: as.version, kind: as.kind },
    resource: { group: as.group, version: as.version, resource: as.plural },
    subResource: req.subresource ?? '',
    requestKind: { group: d.group, version: d.version, kind: d.kind },
    requestResource: { group: d.group, version: d.version, resource: d.plural },
    requestSubResource: req.subresource ?? '',
    name: req.name,
    namespace: req.namespace ?? '',
    operation: req.operation,
    userInfo: { username: user.name, uid: user.uid ?? '', groups: user.groups, extra: user.extra ?? {} },
    dryRun: req.dryRun,
    options: optionsKind ? { apiVersion: 'meta.k8s.io/v1', kind: optionsKind, ...(req.dryRun ? { dryRun: ['All'] } : {}), ...req.options } : null,
  };
  return { object: jsonToCel(object ?? null), oldObject: jsonToCel(old ?? null), request: jsonToCel(request) };
}
