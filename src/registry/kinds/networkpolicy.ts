// networking.k8s.io/v1 NetworkPolicy: which traffic may reach (ingress) or leave (egress) the pods
// a policy selects. The API only stores and checks it; each node enforces it (network/policy/).
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { parseCidrRange, isStrictSubset } from '../validation/cidr.js';
import { asArray, asObject, inclusiveRange, isObject, isValidPortName } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { validateLabelSelector } from '../validation/selector.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];
const INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

type Json = Record<string, unknown>;

/** Upstream's defaults: a port's protocol is TCP; policyTypes is Ingress, plus Egress when egress rules exist. */
function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as Json;
  // podSelector is a struct, not a pointer, upstream: absent reads as the empty selector.
  if (!isObject(spec.podSelector)) spec.podSelector = {};
  for (const [rules] of [[spec.ingress], [spec.egress]]) {
    for (const rule of asArray<Json>(rules)) {
      for (const port of asArray<Json>(isObject(rule) ? rule.ports : undefined)) if (isObject(port)) port.protocol ??= 'TCP';
    }
  }
  if (asArray(spec.policyTypes).length === 0) {
    spec.policyTypes = asArray(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

function validatePortNumberIn(value: number, path: string): FieldError[] {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? [] : [fieldError.invalid(path, value, inclusiveRange(1, 65535))];
}

function validatePort(port: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && !PROTOCOLS.includes(String(port.protocol))) errs.push(fieldError.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  const endPort = port.endPort;
  if (typeof port.port === 'number') {
    errs.push(...validatePortNumberIn(port.port, `${path}.port`));
    if (typeof endPort === 'number') {
      // Upstream quotes `port`'s value here, not endPort's.
      if (endPort < port.port) errs.push(fieldError.invalid(`${path}.endPort`, port.port, 'must be greater than or equal to `port`'));
      errs.push(...validatePortNumberIn(endPort, `${path}.endPort`));
    }
  } else if (typeof port.port === 'string') {
    if (endPort !== undefined) errs.push(fieldError.invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is non-numeric'));
    for (const msg of isValidPortName(port.port)) errs.push(fieldError.invalid(`${path}.port`, port.port, msg));
  } else if (endPort !== undefined) {
    errs.push(fieldError.invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateIPBlock(block: Json, path: string): FieldError[] {
  const cidr = typeof block.cidr === 'string' ? block.cidr : '';
  if (!cidr) return [fieldError.required(`${path}.cidr`)];
  const outer = parseCidrRange(cidr);
  if (!outer) return [fieldError.invalid(`${path}.cidr`, cidr, INVALID_CIDR)];
  const errs: FieldError[] = [];
  asArray<string>(block.except).forEach((except, i) => {
    const p = `${path}.except[${i}]`;
    const inner = parseCidrRange(String(except));
    if (!inner) errs.push(fieldError.invalid(p, except, INVALID_CIDR));
    else if (!isStrictSubset(inner, outer)) errs.push(fieldError.invalid(p, except, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(peer: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const key of ['podSelector', 'namespaceSelector'] as const) {
    if (isObject(peer[key])) {
      count++;
      errs.push(...validateLabelSelector(peer[key] as LabelSelector, `${path}.${key}`));
    }
  }
  if (isObject(peer.ipBlock)) {
    count++;
    errs.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (count === 0) errs.push(fieldError.required(path, 'must specify a peer'));
  else if (count > 1 && isObject(peer.ipBlock)) errs.push(fieldError.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validateRules(rules: unknown, path: string, peersField: 'from' | 'to'): FieldError[] {
  const errs: FieldError[] = [];
  asArray<Json>(rules).forEach((rule, i) => {
    const r = asObject(rule);
    asArray<Json>(r.ports).forEach((port, j) => errs.push(...validatePort(asObject(port), `${path}[${i}].ports[${j}]`)));
    asArray<Json>(r[peersField]).forEach((peer, j) => errs.push(...validatePeer(asObject(peer), `${path}[${i}].${peersField}[${j}]`)));
  });
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = asObject(obj.spec);
  errs.push(...validateLabelSelector(asObject(spec.podSelector) as LabelSelector, 'spec.podSelector'));
  errs.push(...validateRules(spec.ingress, 'spec.ingress', 'from'));
  errs.push(...validateRules(spec.egress, 'spec.egress', 'to'));
  const types = asArray<string>(spec.policyTypes);
  if (types.length > POLICY_TYPES.length) {
    const rendered = `[]networking.PolicyType{${types.map((t) => JSON.stringify(t)).join(', ')}}`;
    errs.push(fieldError.invalidGo('spec.policyTypes', rendered, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(fieldError.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}

export const networkPolicy: ResourceDescriptor = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  listKind: 'NetworkPolicyList',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  shortNames: ['netpol'],
  namespaced: true,
  defaults,
  validate,
};
