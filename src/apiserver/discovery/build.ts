// Discovery documents built from the registry's descriptors: legacy (/api, /apis, /api/v1,
// /apis/<g>/<v>) and aggregated (apidiscovery.k8s.io v2 and v2beta1). Pure functions; see
// documents.ts for the cached, serialized form the server answers with.
import { apiVersionOf, type ResourceDescriptor } from '../../registry/types.js';

export const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

/** Groups listed first, in upstream's order; any other group follows alphabetically. */
const GROUP_ORDER = [
  '',
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'metrics.k8s.io',
];

export interface GroupVersionKindRef {
  group: string;
  version: string;
  kind: string;
}

/** One subresource, resolved from a descriptor. */
export interface SubresourceInfo {
  name: string;
  responseKind: GroupVersionKindRef;
  verbs: string[];
}

export interface GroupVersionInfo {
  group: string;
  version: string;
  /** `v1` or `apps/v1`. */
  groupVersion: string;
  /** Sorted by plural. */
  descriptors: ResourceDescriptor[];
}

export interface GroupInfo {
  name: string;
  /** Preferred first. */
  versions: GroupVersionInfo[];
}

// ---- ordering ----

/** Kubernetes version priority: GA > beta > alpha, higher numbers first; anything else last, alphabetically. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -(m[3] === undefined ? 0 : Number(m[3])), v];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number);
  return ra[3] < rb[3] ? -1 : ra[3] > rb[3] ? 1 : 0;
}

function compareGroups(a: string, b: string): number {
  const ia = GROUP_ORDER.indexOf(a);
  const ib = GROUP_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Groups (core first) with their versions, preferred version first. */
export function groupDescriptors(descriptors: readonly ResourceDescriptor[]): GroupInfo[] {
  const groups = new Map<string, Map<string, ResourceDescriptor[]>>();
  for (const d of descriptors) {
    let versions = groups.get(d.group);
    if (!versions) groups.set(d.group, (versions = new Map()));
    let list = versions.get(d.version);
    if (!list) versions.set(d.version, (list = []));
    list.push(d);
  }
  return [...groups.keys()].sort(compareGroups).map((name) => ({
    name,
    versions: [...groups.get(name)!.keys()].sort(compareVersions).map((version) => ({
      group: name,
      version,
      groupVersion: apiVersionOf({ group: name, version }),
      descriptors: [...groups.get(name)!.get(version)!].sort((a, b) => byName(a.plural, b.plural)),
    })),
  }));
}

export function subresourcesOf(d: ResourceDescriptor): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  const sub = d.subresources;
  if (sub?.status) out.push({ name: 'status', responseKind: { group: d.group, version: d.version, kind: d.kind }, verbs: [...SUBRESOURCE_VERBS] });
  if (sub?.scale) out.push({ name: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: [...SUBRESOURCE_VERBS] });
  for (const o of sub?.other ?? []) out.push({ name: o.name, responseKind: { group: o.group, version: o.version, kind: o.kind }, verbs: [...o.verbs] });
  for (const p of sub?.parts ?? []) out.push({ name: p.name, responseKind: { group: d.group, version: d.version, kind: d.kind }, verbs: [...SUBRESOURCE_VERBS] });
  return out.sort((a, b) => byName(a.name, b.name));
}

// ---- legacy ----

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface ServerAddressByClientCIDR {
  clientCIDR: string;
  serverAddress: string;
}

/** `/api`. The address is what clients are told to use (`host:port`). */
export function apiVersions(groups: GroupInfo[], serverAddress?: string) {
  const core = groups.find((g) => g.name === '');
  return {
    kind: 'APIVersions',
    versions: core ? core.versions.map((v) => v.version) : ['v1'],
    serverAddressByClientCIDRs: serverAddress ? [{ clientCIDR: '0.0.0.0/0', serverAddress }] : [],
  };
}

function groupEntry(g: GroupInfo) {
  const versions = g.versions.map((v) => ({ groupVersion: v.groupVersion, version: v.version }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

/** `/apis/<group>`. */
export function apiGroup(g: GroupInfo) {
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g) };
}

/** `/apis`. */
export function apiGroupList(groups: GroupInfo[]) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.filter((g) => g.name !== '').map(groupEntry) };
}

/** `/api/v1` or `/apis/<g>/<v>`: resources and, right after each, its `<plural>/<sub>` entries. */
export function apiResourceList(gv: GroupVersionInfo) {
  const resources: APIResource[] = [];
  for (const d of gv.descriptors) {
    const main: APIResource = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...(d.verbs ?? DEFAULT_VERBS)] };
    if (d.shortNames?.length) main.shortNames = [...d.shortNames];
    if (d.categories?.length) main.categories = [...d.categories];
    resources.push(main);
    for (const s of subresourcesOf(d)) {
      // Group and version are given only when they differ from the list's own (eviction, scale).
      const foreign = s.responseKind.group !== gv.group || s.responseKind.version !== gv.version;
      resources.push({
        name: `${d.plural}/${s.name}`,
        singularName: '',
        namespaced: d.namespaced,
        ...(foreign ? { group: s.responseKind.group, version: s.responseKind.version } : {}),
        kind: s.responseKind.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv.groupVersion, resources };
}

// ---- aggregated ----

export type AggregatedVersion = 'v2' | 'v2beta1';

function aggregatedResource(gv: GroupVersionInfo, d: ResourceDescriptor) {
  const subresources = subresourcesOf(d).map((s) => ({ subresource: s.name, responseKind: s.responseKind, verbs: s.verbs }));
  return {
    resource: d.plural,
    responseKind: { group: gv.group, version: gv.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: [...(d.verbs ?? DEFAULT_VERBS)],
    ...(d.shortNames?.length ? { shortNames: [...d.shortNames] } : {}),
    ...(d.categories?.length ? { categories: [...d.categories] } : {}),
    ...(subresources.length ? { subresources } : {}),
  };
}

/** APIGroupDiscoveryList for `/api` (which: 'api', the core group only) or `/apis` (every other group). */
export function aggregatedDiscovery(groups: GroupInfo[], opts: { which: 'api' | 'apis'; version: AggregatedVersion }) {
  const selected = groups.filter((g) => (opts.which === 'api' ? g.name === '' : g.name !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${opts.version}`,
    metadata: {},
    items: selected.map((g) => ({
      metadata: g.name === '' ? {} : { name: g.name },
      versions: g.versions.map((gv) => ({
        version: gv.version,
        resources: gv.descriptors.map((d) => aggregatedResource(gv, d)),
        freshness: 'Current',
      })),
    })),
  };
}
