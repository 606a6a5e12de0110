// core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlice.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asArray, ipFamily, isLinkLocal, isObject } from '../validation/common.js';
import { validateMeta } from '../validation/meta.js';
import { isDNS1123Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const MAX_SLICE_ENDPOINTS = 1000;
const MAX_SLICE_PORTS = 100;
const MAX_ENDPOINT_ADDRESSES = 100;

interface PortLike { name?: string; port?: number; protocol?: string; appProtocol?: string }

function defaultPorts(ports: unknown): void {
  for (const p of asArray<PortLike>(ports)) if (isObject(p)) p.protocol ??= 'TCP';
}

function validateEndpointIP(ip: string, path: string): FieldError[] {
  if (ipFamily(ip) === 0) return [fieldError.invalid(path, ip, INVALID_IP)];
  // Upstream refuses loopback here; k3ts allows it because a whole cluster may run on one machine's
  // loopback (`k3ts up` puts each node on its own 127.0.0.x), and the API server's own endpoint is then 127.0.0.1.
  if (isLinkLocal(ip)) return [fieldError.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  return [];
}

function validatePorts(ports: unknown, path: string, opts: { portOptional: boolean }): FieldError[] {
  const errs: FieldError[] = [];
  const list = asArray<PortLike>(ports);
  const names = new Set<string>();
  list.forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (list.length > 1 && !port.name && !opts.portOptional) errs.push(fieldError.required(`${p}.name`));
    if (port.name) {
      for (const msg of isDNS1123Label(port.name)) errs.push(fieldError.invalid(`${p}.name`, port.name, msg));
      if (names.has(port.name)) errs.push(fieldError.duplicate(`${p}.name`, port.name));
    }
    names.add(port.name ?? '');
    const n = port.port;
    if (n === undefined) {
      if (!opts.portOptional) errs.push(fieldError.invalid(`${p}.port`, 0, 'must be between 1 and 65535, inclusive'));
    } else if (!Number.isInteger(n) || n < (opts.portOptional ? 0 : 1) || n > 65535) {
      errs.push(fieldError.invalid(`${p}.port`, n, `must be between ${opts.portOptional ? 0 : 1} and 65535, inclusive`));
    }
    if (!port.protocol) errs.push(fieldError.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(fieldError.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

function validateEndpoints(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  asArray<Record<string, unknown>>(obj.subsets).forEach((subset, i) => {
    const p = `subsets[${i}]`;
    for (const field of ['addresses', 'notReadyAddresses']) {
      asArray<{ ip?: string; hostname?: string; nodeName?: string }>(subset[field]).forEach((a, j) => {
        const ap = `${p}.${field}[${j}]`;
        errs.push(...validateEndpointIP(a.ip ?? '', `${ap}.ip`));
        if (a.hostname) for (const msg of isDNS1123Label(a.hostname)) errs.push(fieldError.invalid(`${ap}.hostname`, a.hostname, msg));
        if (a.nodeName) for (const msg of isDNS1123Subdomain(a.nodeName)) errs.push(fieldError.invalid(`${ap}.nodeName`, a.nodeName, msg));
      });
    }
    errs.push(...validatePorts(subset.ports, `${p}.ports`, { portOptional: false }));
  });
  return errs;
}

function validateEndpointSlice(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNSSubdomain }, ctx.old);
  const type = obj.addressType;
  if (!type) errs.push(fieldError.required('addressType'));
  else if (!ADDRESS_TYPES.includes(String(type))) errs.push(fieldError.notSupported('addressType', type, ADDRESS_TYPES));
  // Past a list's limit upstream reports only its length, not each item.
  const endpoints = asArray<Record<string, unknown>>(obj.endpoints);
  if (endpoints.length > MAX_SLICE_ENDPOINTS) errs.push(fieldError.tooMany('endpoints', endpoints.length, MAX_SLICE_ENDPOINTS));
  else endpoints.forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    const addrs = asArray<string>(ep.addresses);
    if (addrs.length === 0) errs.push(fieldError.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ENDPOINT_ADDRESSES) errs.push(fieldError.tooMany(`${p}.addresses`, addrs.length, MAX_ENDPOINT_ADDRESSES));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      if (type === 'FQDN') for (const msg of isDNS1123Subdomain(a)) errs.push(fieldError.invalid(ap, a, msg));
      else if (type === 'IPv4' && ipFamily(a) !== 4) errs.push(fieldError.invalid(ap, a, 'must be a valid IPv4 address'));
      else if (type === 'IPv6' && ipFamily(a) !== 6) errs.push(fieldError.invalid(ap, a, 'must be a valid IPv6 address'));
    });
    if (typeof ep.hostname === 'string') for (const msg of isDNS1123Label(ep.hostname)) errs.push(fieldError.invalid(`${p}.hostname`, ep.hostname, msg));
    if (typeof ep.nodeName === 'string') for (const msg of isDNS1123Subdomain(ep.nodeName)) errs.push(fieldError.invalid(`${p}.nodeName`, ep.nodeName, msg));
  });
  const ports = asArray(obj.ports);
  if (ports.length > MAX_SLICE_PORTS) errs.push(fieldError.tooMany('ports', ports.length, MAX_SLICE_PORTS));
  else errs.push(...validatePorts(obj.ports, 'ports', { portOptional: true }));
  if (ctx.old && ctx.old.addressType !== obj.addressType) errs.push(fieldError.invalid('addressType', obj.addressType, 'field is immutable'));
  return errs;
}

export const endpoints: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  plural: 'endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  namespaced: true,
  generation: false,
  defaults: (obj) => {
    for (const s of asArray<Record<string, unknown>>(obj.subsets)) if (isObject(s)) defaultPorts(s.ports);
  },
  validate: validateEndpoints,
};

export const endpointSlice: ResourceDescriptor = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  // EndpointSlices track generation so controllers can detect stale writes.
  generation: true,
  defaults: (obj) => {
    defaultPorts(obj.ports);
    for (const ep of asArray<Record<string, unknown>>(obj.endpoints)) {
      if (isObject(ep) && isObject(ep.conditions) === false) ep.conditions = {};
    }
  },
  validate: validateEndpointSlice,
};
