// networking.k8s.io/v1 IngressClass (cluster-scoped): which controller serves ingresses of a class.
// One class may be marked the default (annotation ingressclass.kubernetes.io/is-default-class),
// which the DefaultIngressClass admission gives to ingresses that name none.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asObject, IMMUTABLE, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';

export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const SCOPES = ['Cluster', 'Namespace'];
const MAX_CONTROLLER = 250;

export const isDefaultIngressClass = (obj: KObject) => obj.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true';

function validateParameters(p: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const at = 'spec.parameters';
  if (typeof p.apiGroup === 'string' && p.apiGroup !== '') for (const m of isDNS1123Subdomain(p.apiGroup)) errs.push(fieldError.invalid(`${at}.apiGroup`, p.apiGroup, m));
  if (!p.kind) errs.push(fieldError.required(`${at}.kind`));
  if (!p.name) errs.push(fieldError.required(`${at}.name`));
  const scope = p.scope ?? 'Cluster';
  if (!SCOPES.includes(scope as string)) errs.push(fieldError.notSupported(`${at}.scope`, scope, SCOPES));
  if (scope === 'Namespace' && !p.namespace) errs.push(fieldError.required(`${at}.namespace`, '`parameters.scope` is set to \'Namespace\''));
  if (scope === 'Cluster' && p.namespace) errs.push(fieldError.forbidden(`${at}.namespace`, '`parameters.scope` is set to \'Cluster\''));
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = asObject(obj.spec);
  const controller = typeof spec.controller === 'string' ? spec.controller : '';
  if (!controller) errs.push(fieldError.required('spec.controller'));
  else if (controller.length > MAX_CONTROLLER) errs.push(fieldError.tooLong('spec.controller', MAX_CONTROLLER));
  else {
    // A domain-prefixed path: the part before the first '/' must be a qualified name.
    const domain = controller.split('/')[0]!;
    for (const m of isQualifiedName(domain)) errs.push(fieldError.invalid('spec.controller', controller, m));
  }
  if (isObject(spec.parameters)) errs.push(...validateParameters(spec.parameters));
  if (ctx.old && asObject(ctx.old.spec).controller !== spec.controller) errs.push(fieldError.invalid('spec.controller', spec.controller, IMMUTABLE));
  return errs;
}

/** `kubectl get ingressclass`: the controller and its parameters as Kind[.group]/name. */
export const ingressClassTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    const spec = asObject(obj.spec);
    let parameters = '<none>';
    if (isObject(spec.parameters)) {
      const p = spec.parameters;
      parameters = `${String(p.kind ?? '')}${p.apiGroup ? `.${String(p.apiGroup)}` : ''}/${String(p.name ?? '')}`;
    }
    return [obj.metadata.name ?? '', String(spec.controller ?? ''), parameters, ageOf(obj.metadata.creationTimestamp, now)];
  },
};

/** Field table entries (registry/fields). */
export const ingressClassTypes = {
  IngressClass: 'apiVersion kind metadata:ObjectMeta spec:IngressClassSpec',
  IngressClassSpec: 'controller parameters:IngressClassParametersReference',
  IngressClassParametersReference: 'apiGroup kind name scope namespace',
};

export const ingressClass: ResourceDescriptor = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  listKind: 'IngressClassList',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  defaults(obj) {
    if (!isObject(obj.spec)) obj.spec = {};
    const p = asObject(obj.spec).parameters;
    if (isObject(p)) p.scope ??= 'Cluster';
  },
  validate,
  table: ingressClassTable,
};
