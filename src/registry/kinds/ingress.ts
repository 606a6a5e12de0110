// networking.k8s.io/v1 Ingress: HTTP routes from hosts and paths to Services. Stored and checked
// here in upstream's words; the DefaultIngressClass admission gives a class to ingresses without
// one. No proxy serves them yet.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, TableConvertor, ValidationContext } from '../types.js';
import { asArray, asObject, inclusiveRange, ipFamily, isObject, isValidPortName } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.js';
import { ageOf } from '../tables/age.js';
import { ageColumn, column, nameColumn } from '../tables/common.js';

type Json = Record<string, unknown>;
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const WILDCARD = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_MESSAGE =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function validateHost(host: string, path: string): FieldError[] {
  if (ipFamily(host) !== 0) return [fieldError.invalid(path, host, 'must be a DNS name, not an IP address')];
  if (host.includes('*')) return WILDCARD.test(host) && host.length <= 253 ? [] : [fieldError.invalid(path, host, WILDCARD_MESSAGE)];
  return isDNS1123Subdomain(host).map((m) => fieldError.invalid(path, host, m));
}

function validateBackend(b: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const service = isObject(b.service) ? b.service : undefined;
  const resource = isObject(b.resource) ? b.resource : undefined;
  if (service && resource) return [fieldError.invalid(path, '', 'cannot set both service and resource backends')];
  if (!service && !resource) return [fieldError.invalid(path, '', 'one backend must be specified')];
  if (service) {
    const name = typeof service.name === 'string' ? service.name : '';
    if (!name) errs.push(fieldError.required(`${path}.service.name`));
    else for (const m of isDNS1035Label(name)) errs.push(fieldError.invalid(`${path}.service.name`, name, m));
    const port = asObject(service.port);
    const hasName = typeof port.name === 'string' && port.name !== '';
    const hasNumber = port.number !== undefined && port.number !== 0;
    if (hasName && hasNumber) errs.push(fieldError.invalid(`${path}.service.port`, '', 'cannot set both port name & port number'));
    else if (hasName) {
      for (const m of isValidPortName(port.name as string)) errs.push(fieldError.invalid(`${path}.service.port.name`, port.name, m));
    } else if (hasNumber) {
      const n = port.number as number;
      if (!Number.isInteger(n) || n < 1 || n > 65535) errs.push(fieldError.invalid(`${path}.service.port.number`, n, inclusiveRange(1, 65535)));
    } else errs.push(fieldError.invalid(`${path}.service.port`, '', 'port name or number is required'));
  }
  if (resource) {
    if (!resource.kind) errs.push(fieldError.required(`${path}.resource.kind`));
    if (!resource.name) errs.push(fieldError.required(`${path}.resource.name`));
  }
  return errs;
}

function validatePath(p: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = typeof p.path === 'string' ? p.path : '';
  if (p.pathType === undefined || p.pathType === '') errs.push(fieldError.required(`${path}.pathType`, 'pathType must be specified'));
  else if (!PATH_TYPES.includes(p.pathType as string)) errs.push(fieldError.notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(fieldError.invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const bad of ['//', '/./', '/../', '%2f', '%2F']) if (value.includes(bad)) errs.push(fieldError.invalid(`${path}.path`, value, `must not contain '${bad}'`));
    for (const bad of ['/..', '/.']) if (value.endsWith(bad)) errs.push(fieldError.invalid(`${path}.path`, value, `cannot end with '${bad}'`));
  } else if (p.pathType === 'ImplementationSpecific' && value !== '' && !value.startsWith('/')) {
    errs.push(fieldError.invalid(`${path}.path`, value, 'must be an absolute path'));
  }
  if (!isObject(p.backend)) errs.push(fieldError.required(`${path}.backend`));
  else errs.push(...validateBackend(p.backend, `${path}.backend`));
  return errs;
}

function validateSpec(obj: KObject): FieldError[] {
  const spec = asObject(obj.spec);
  const errs: FieldError[] = [];
  const rules = asArray<Json>(spec.rules);
  if (!isObject(spec.defaultBackend) && rules.length === 0) errs.push(fieldError.invalid('spec.rules', [], 'either `defaultBackend` or `rules` must be specified'));
  if (isObject(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((raw, i) => {
    const rule = asObject(raw);
    const at = `spec.rules[${i}]`;
    if (typeof rule.host === 'string' && rule.host !== '') errs.push(...validateHost(rule.host, `${at}.host`));
    if (isObject(rule.http)) {
      const paths = asArray<Json>(rule.http.paths);
      if (paths.length === 0) errs.push(fieldError.required(`${at}.http.paths`));
      paths.forEach((p, j) => errs.push(...validatePath(asObject(p), `${at}.http.paths[${j}]`)));
    }
  });
  asArray<Json>(spec.tls).forEach((raw, i) => {
    asArray<string>(asObject(raw).hosts).forEach((h, j) => {
      if (typeof h === 'string' && h !== '') errs.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`));
    });
  });
  const cls = spec.ingressClassName;
  if (typeof cls === 'string') for (const m of isDNS1123Subdomain(cls)) errs.push(fieldError.invalid('spec.ingressClassName', cls, m));
  const annotated = obj.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (typeof cls === 'string' && annotated !== undefined && annotated !== cls) {
    errs.push(fieldError.invalid(`metadata.annotations.${INGRESS_CLASS_ANNOTATION}`, annotated, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  return [...validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old), ...validateSpec(obj)];
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  asArray<Json>(asObject(asObject(obj.status).loadBalancer).ingress).forEach((raw, i) => {
    const ing = asObject(raw);
    if (typeof ing.ip === 'string' && ing.ip !== '' && ipFamily(ing.ip) === 0) errs.push(fieldError.invalid(`status.loadBalancer.ingress[${i}].ip`, ing.ip, 'must be a valid IP address'));
    if (typeof ing.hostname === 'string' && ing.hostname !== '') {
      for (const m of isDNS1123Subdomain(ing.hostname)) errs.push(fieldError.invalid(`status.loadBalancer.ingress[${i}].hostname`, ing.hostname, m));
    }
  });
  return errs;
}

/** The class an ingress names, by field or by the older annotation. */
export const ingressClassOf = (obj: KObject): string | undefined =>
  (asObject(obj.spec).ingressClassName as string | undefined) ?? obj.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];

function hostsCell(obj: KObject): string {
  const hosts = asArray<Json>(asObject(obj.spec).rules).map((r) => r.host).filter((h): h is string => typeof h === 'string' && h !== '');
  if (hosts.length === 0) return '*';
  return hosts.length > 3 ? `${hosts.slice(0, 3).join(',')} + ${hosts.length - 3} more...` : hosts.join(',');
}

/** `kubectl get ingress`: upstream's columns (Class, Hosts, Address, Ports). */
export const ingressTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells(obj: KObject, now: Date) {
    const addresses = asArray<Json>(asObject(asObject(obj.status).loadBalancer).ingress).map((i) => (i.ip || i.hostname) as string).filter(Boolean);
    return [
      obj.metadata.name ?? '',
      ingressClassOf(obj) ?? '<none>',
      hostsCell(obj),
      addresses.join(','),
      asArray(asObject(obj.spec).tls).length > 0 ? '80, 443' : '80',
      ageOf(obj.metadata.creationTimestamp, now),
    ];
  },
};

/** Field table entries (registry/fields). */
export const ingressTypes = {
  Ingress: 'apiVersion kind metadata:ObjectMeta spec:IngressSpec status:IngressStatus',
  IngressSpec: 'ingressClassName defaultBackend:IngressBackend tls:[IngressTLS] rules:[IngressRule]',
  IngressBackend: 'service:IngressServiceBackend resource:TypedLocalObjectReference',
  IngressServiceBackend: 'name port:ServiceBackendPort',
  ServiceBackendPort: 'name number:int',
  TypedLocalObjectReference: 'apiGroup kind name',
  IngressTLS: 'hosts:[string] secretName',
  IngressRule: 'host http:HTTPIngressRuleValue',
  HTTPIngressRuleValue: 'paths:[HTTPIngressPath]',
  HTTPIngressPath: 'path pathType backend:IngressBackend',
  IngressStatus: 'loadBalancer:IngressLoadBalancerStatus',
  IngressLoadBalancerStatus: 'ingress:[IngressLoadBalancerIngress]',
  IngressLoadBalancerIngress: 'ip hostname ports:[IngressPortStatus]',
  IngressPortStatus: 'port:int protocol error',
};

export const ingress: ResourceDescriptor = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  listKind: 'IngressList',
  plural: 'ingresses',
  singular: 'ingress',
  shortNames: ['ing'],
  namespaced: true,
  subresources: { status: true },
  defaults(obj) {
    if (!isObject(obj.spec)) obj.spec = {};
  },
  validate,
  validateStatus,
  table: ingressTable,
};
