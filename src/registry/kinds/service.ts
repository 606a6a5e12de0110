// core/v1 Service. ClusterIP and NodePort allocation belong to the API server; here we only
// default, and check what the user asked for.
import type { ServicePort, ServiceSpec, ServiceStatus } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asArray, asObject, ipFamily, isObject, isValidPortName, validatePortNumber } from '../validation/common.js';
import { goStringSlice } from '../validation/go-value.js';
import { validateLabels, validateMeta } from '../validation/meta.js';
import { isDNS1123Label, isDNS1123Subdomain, nameIsDNS1035Label } from '../validation/names.js';

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
const FAMILIES = ['IPv4', 'IPv6'];
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

const specOf = (obj: KObject) => asObject(obj.spec) as ServiceSpec;
const usesNodePorts = (t: string | undefined) => t === 'NodePort' || t === 'LoadBalancer';
const isHeadless = (s: ServiceSpec) => s.clusterIP === 'None';

/** Reachable from outside the cluster: node ports, a load balancer, or external IPs on a ClusterIP. */
export function externallyAccessible(spec: ServiceSpec): boolean {
  return usesNodePorts(spec.type) || (spec.type === 'ClusterIP' && asArray(spec.externalIPs).length > 0);
}

/** Only a LoadBalancer that keeps traffic on the receiving node has a health-check node port. */
const needsHealthCheck = (spec: ServiceSpec) => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) obj.spec = {};
  const spec = obj.spec as ServiceSpec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  for (const port of asArray<ServicePort>(spec.ports)) {
    port.protocol ??= 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type === 'ExternalName') return;
  spec.internalTrafficPolicy ??= 'Cluster';
  // clusterIP and clusterIPs[0] describe the same address.
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  // Single-stack IPv4 cluster: headless services without a selector ask for every family we have.
  if (isHeadless(spec) && Object.keys(spec.selector ?? {}).length === 0) spec.ipFamilyPolicy ??= 'RequireDualStack';
  spec.ipFamilyPolicy ??= 'SingleStack';
  if (!spec.ipFamilies?.length) {
    const fromIPs = asArray<string>(spec.clusterIPs).map(ipFamily).filter((f) => f !== 0).map((f) => `IPv${f}`);
    spec.ipFamilies = fromIPs.length ? fromIPs : ['IPv4'];
  }
}

function validatePorts(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const ports = asArray<ServicePort>(spec.ports);
  if (ports.length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(fieldError.required('spec.ports'));
  const names = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    if (ports.length > 1 && !port.name) errs.push(fieldError.required(`${p}.name`));
    if (port.name) {
      for (const msg of isDNS1123Label(port.name)) errs.push(fieldError.invalid(`${p}.name`, port.name, msg));
      if (names.has(port.name)) errs.push(fieldError.duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    errs.push(...validatePortNumber(port.port, `${p}.port`));
    if (!port.protocol) errs.push(fieldError.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(fieldError.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
    const target = port.targetPort;
    if (typeof target === 'number') errs.push(...validatePortNumber(target, `${p}.targetPort`));
    else if (typeof target === 'string') {
      for (const msg of isValidPortName(target)) errs.push(fieldError.invalid(`${p}.targetPort`, target, msg));
    }
    const nodePort = port.nodePort;
    if (nodePort !== undefined && nodePort !== 0) {
      if (spec.type === 'ClusterIP') {
        errs.push(fieldError.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      } else if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        errs.push(fieldError.invalid(`${p}.nodePort`, nodePort,
          `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`));
      } else {
        const key = `${port.protocol}/${nodePort}`;
        if (nodePorts.has(key)) errs.push(fieldError.duplicate(`${p}.nodePort`, nodePort));
        nodePorts.add(key);
      }
    }
  });
  return errs;
}

function validateClusterIPs(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName') {
    if (spec.clusterIP) errs.push(fieldError.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    return errs;
  }
  const ips = asArray<string>(spec.clusterIPs);
  if (spec.clusterIP && ips.length && ips[0] !== spec.clusterIP) {
    errs.push(fieldError.invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`'));
  }
  ips.forEach((ip, i) => {
    const p = `spec.clusterIPs[${i}]`;
    if (ip === 'None') {
      if (i > 0 || ips.length > 1) errs.push(fieldError.invalid(p, ip, "must not be 'None' when more than one IP is given"));
      if (usesNodePorts(spec.type)) errs.push(fieldError.invalid(p, ip, `may not be set to 'None' for ${spec.type} services`));
      return;
    }
    if (ipFamily(ip) === 0) errs.push(fieldError.invalid(p, ip, INVALID_IP));
  });
  return errs;
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNS1035Label }, ctx.old);
  const spec = specOf(obj);
  if (!spec.type) errs.push(fieldError.required('spec.type'));
  else if (!TYPES.includes(spec.type)) errs.push(fieldError.notSupported('spec.type', spec.type, TYPES));
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(fieldError.required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(fieldError.invalid('spec.externalName', spec.externalName, msg));
  }
  errs.push(...validatePorts(spec));
  errs.push(...validateClusterIPs(spec));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (spec.sessionAffinity !== undefined && !AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(fieldError.notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  }
  errs.push(...validateSessionAffinityConfig(spec));
  errs.push(...validateExternalTraffic(spec));
  if (spec.internalTrafficPolicy !== undefined && !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(fieldError.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.ipFamilyPolicy !== undefined && !FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(fieldError.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, FAMILY_POLICIES));
  }
  asArray<string>(spec.ipFamilies).forEach((f, i) => {
    if (!FAMILIES.includes(f)) errs.push(fieldError.notSupported(`spec.ipFamilies[${i}]`, f, FAMILIES));
  });
  asArray<string>(spec.externalIPs).forEach((ip, i) => {
    if (ipFamily(ip) === 0) errs.push(fieldError.invalid(`spec.externalIPs[${i}]`, ip, INVALID_IP));
  });
  if (ctx.old) errs.push(...validateServiceUpdate(spec, specOf(ctx.old)));
  return errs;
}

const MAX_AFFINITY_SECONDS = 86400;

function validateSessionAffinityConfig(spec: ServiceSpec): FieldError[] {
  const config = spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'None' && config !== undefined && config !== null) {
    return [fieldError.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None')];
  }
  const timeout = config?.clientIP?.timeoutSeconds;
  if (spec.sessionAffinity === 'ClientIP' && typeof timeout === 'number' && (timeout <= 0 || timeout > MAX_AFFINITY_SECONDS)) {
    return [fieldError.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`)];
  }
  return [];
}

/**
 * externalTrafficPolicy belongs to every externally reachable Service (defaults fill it in), and
 * healthCheckNodePort only to a LoadBalancer with policy Local. That port is not required here, as
 * upstream does after allocating one: k3ts allocates none, so requiring it would refuse every such Service.
 */
function validateExternalTraffic(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (policy) errs.push(fieldError.invalid('spec.externalTrafficPolicy', policy, 'may only be set for externally-accessible services'));
  } else if (!policy) {
    errs.push(fieldError.required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(policy)) {
    errs.push(fieldError.notSupported('spec.externalTrafficPolicy', policy, TRAFFIC_POLICIES));
  }
  const port = spec.healthCheckNodePort;
  if (port !== undefined && port !== null && port !== 0) {
    if (!needsHealthCheck(spec)) {
      errs.push(fieldError.invalid('spec.healthCheckNodePort', port, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else {
      errs.push(...validatePortNumber(port, 'spec.healthCheckNodePort'));
    }
  }
  return errs;
}

/** Allocated cluster IPs stay put, unless the Service moves to or from ExternalName. */
function validateServiceUpdate(next: ServiceSpec, prev: ServiceSpec): FieldError[] {
  if (next.type === 'ExternalName' || prev.type === 'ExternalName') return [];
  if (isHeadless(next) && isHeadless(prev)) return [];
  const errs: FieldError[] = [];
  const before = asArray<string>(prev.clusterIPs ?? (prev.clusterIP ? [prev.clusterIP] : []));
  const after = asArray<string>(next.clusterIPs ?? (next.clusterIP ? [next.clusterIP] : []));
  // An update that omits the address keeps the allocated one (the allocator copies it over after
  // validation, as upstream's REST layer does before it), so only explicit changes are refused.
  if (after.length === 0) return errs;
  before.forEach((ip, i) => {
    if (i < after.length && after[i] !== ip) {
      errs.push(fieldError.invalidGo(`spec.clusterIPs[${i}]`, goStringSlice(next.clusterIPs), 'may not change once set'));
    }
  });
  return errs;
}

function validateStatus(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: true, nameFn: nameIsDNS1035Label }, ctx.old);
  const status = asObject(obj.status) as ServiceStatus;
  asArray<{ ip?: string; hostname?: string }>(status.loadBalancer?.ingress).forEach((ing, i) => {
    if (ing.ip && ipFamily(ing.ip) === 0) errs.push(fieldError.invalid(`status.loadBalancer.ingress[${i}].ip`, ing.ip, INVALID_IP));
    if (ing.hostname) {
      for (const msg of isDNS1123Subdomain(ing.hostname)) errs.push(fieldError.invalid(`status.loadBalancer.ingress[${i}].hostname`, ing.hostname, msg));
    }
  });
  return errs;
}

export const service: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  plural: 'services',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  subresources: { status: true },
  generation: false,
  selectableFields: (obj) => ({ 'spec.clusterIP': specOf(obj).clusterIP ?? '', 'spec.type': specOf(obj).type ?? '' }),
  defaults,
  validate,
  validateStatus,
};
