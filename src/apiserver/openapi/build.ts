// OpenAPI v3 documents per group version, built from descriptors. kubectl reads them three ways:
// apply/create/replace look for a PATCH operation tagged with the kind's GVK that takes
// `fieldValidation`, and then validate on the server (`fieldValidation=Strict`); `kubectl explain`
// prints the GVK-tagged schema with its descriptions; and apply computes strategic merge patches
// from that schema's `x-kubernetes-patch-*` extensions.
//
// Built-in kinds carry upstream's schemas (vendored-schemas.ts: vendored data, with the patch
// extensions of registry/patch-meta.ts), under upstream's definition names; custom resources their
// CRD's schema. A kind neither knows stays an open object WITHOUT `x-kubernetes-group-version-kind`:
// a GVK-tagged but incomplete schema would make kubectl compute wrong patches, and untagged it
// falls back to the patch metadata compiled into it.
import { apiVersionOf, type ResourceDescriptor } from '../../registry/types.js';
import { DEFAULT_VERBS, groupDescriptors, type GroupVersionInfo } from '../discovery/build.js';
import { customResourceListOpenAPISchema, customResourceOpenAPISchema } from '../crd/openapi-schema.js';
import { vendoredSchemas } from './vendored-schemas.js';

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** Groups whose kinds are compiled into kubectl, so strategic merge patch applies to them. */
const BUILT_IN_GROUPS = new Set([
  '', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'apps', 'authentication.k8s.io',
  'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy',
  'rbac.authorization.k8s.io', 'resource.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io', 'storagemigration.k8s.io',
]);

export interface OpenAPIBuildOptions {
  /** `info.version`, e.g. `v1.32.0+k3ts`. */
  serverVersion?: string;
  /** Whether PATCH advertises strategic merge patch for a kind. Default: built-in groups only. */
  supportsStrategicMerge?: (d: ResourceDescriptor) => boolean;
}

type Json = Record<string, unknown>;
interface GVK {
  group: string;
  version: string;
  kind: string;
}

/** `#/components/schemas` name; upstream-like but our own namespace, since these are not upstream's schemas. */
export function schemaName(gvk: GVK): string {
  return `${gvk.group || 'core'}.${gvk.version}.${gvk.kind}`;
}

const META = {
  status: { group: 'meta', version: 'v1', kind: 'Status' },
  deleteOptions: { group: 'meta', version: 'v1', kind: 'DeleteOptions' },
  patch: { group: 'meta', version: 'v1', kind: 'Patch' },
};

const ref = (gvk: GVK) => ({ $ref: `#/components/schemas/${schemaName(gvk)}` });

function queryParam(name: string, description: string, type: 'string' | 'boolean' | 'integer' = 'string'): Json {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const P = {
  pretty: queryParam('pretty', "If 'true', then the output is pretty printed."),
  dryRun: queryParam('dryRun', 'When present, indicates that modifications should not be persisted. The only valid value is All.'),
  fieldManager: queryParam('fieldManager', 'A name associated with the actor or entity that is making these changes.'),
  fieldValidation: queryParam('fieldValidation', 'How the server treats unknown or duplicate fields in the request body: Ignore, Warn or Strict.'),
  force: queryParam('force', 'Force Apply requests, taking over fields owned by other managers.', 'boolean'),
  labelSelector: queryParam('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  fieldSelector: queryParam('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
  limit: queryParam('limit', 'The maximum number of responses to return for a list call.', 'integer'),
  continue: queryParam('continue', 'The continue token from a previous list call.'),
  resourceVersion: queryParam('resourceVersion', 'Which resource versions may serve the request.'),
  resourceVersionMatch: queryParam('resourceVersionMatch', 'How resourceVersion is applied to list calls.'),
  timeoutSeconds: queryParam('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  watch: queryParam('watch', 'Watch for changes to the described resources.', 'boolean'),
  allowWatchBookmarks: queryParam('allowWatchBookmarks', 'Requests watch events with type BOOKMARK.', 'boolean'),
  sendInitialEvents: queryParam('sendInitialEvents', 'Start a watch stream with synthetic events for the current state.', 'boolean'),
  gracePeriodSeconds: queryParam('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  propagationPolicy: queryParam('propagationPolicy', 'Whether and how garbage collection will be performed.'),
};

const pathParam = (name: string, description: string): Json => ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });
const NAME = (kind: string) => pathParam('name', `name of the ${kind}`);
const NAMESPACE = pathParam('namespace', 'object name and auth scope, such as for teams and projects');

const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];

function jsonBody(gvk: GVK): Json {
  return { content: { '*/*': { schema: ref(gvk) } }, required: true };
}

function responses(codes: string[], gvk: GVK): Json {
  const out: Json = {};
  for (const code of codes) {
    out[code] = {
      description: code === '200' ? 'OK' : code === '201' ? 'Created' : 'Accepted',
      content: { 'application/json': { schema: ref(gvk) }, 'application/yaml': { schema: ref(gvk) } },
    };
  }
  out['401'] = { description: 'Unauthorized' };
  return out;
}

function tagOf(gv: GroupVersionInfo): string {
  const group = gv.group === '' ? 'core' : gv.group.split('.')[0];
  return `${group}_${gv.version}`;
}

function operationId(verb: string, gv: GroupVersionInfo, kind: string, opts: { namespaced: boolean; suffix?: string; allNamespaces?: boolean }): string {
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const group = gv.group === '' ? 'Core' : gv.group.split('.').map(cap).join('');
  const scope = opts.allNamespaces ? '' : opts.namespaced ? 'Namespaced' : '';
  const tail = opts.allNamespaces ? 'ForAllNamespaces' : '';
  return `${verb}${group}${cap(gv.version)}${scope}${kind}${opts.suffix ?? ''}${tail}`;
}

interface OpSpec {
  action: string;
  description: string;
  operationId: string;
  gvk: GVK;
  params?: Json[];
  body?: Json;
  responses: Json;
  tag: string;
}

function op(s: OpSpec): Json {
  return {
    tags: [s.tag],
    description: s.description,
    operationId: s.operationId,
    ...(s.params?.length ? { parameters: s.params } : {}),
    ...(s.body ? { requestBody: s.body } : {}),
    responses: s.responses,
    'x-kubernetes-action': s.action,
    'x-kubernetes-group-version-kind': { group: s.gvk.group, version: s.gvk.version, kind: s.gvk.kind },
  };
}

function patchBody(strategic: boolean): Json {
  const content: Json = {};
  content[PATCH_CONTENT_TYPES.json] = { schema: ref(META.patch) };
  content[PATCH_CONTENT_TYPES.merge] = { schema: ref(META.patch) };
  if (strategic) content[PATCH_CONTENT_TYPES.strategic] = { schema: ref(META.patch) };
  content[PATCH_CONTENT_TYPES.apply] = { schema: ref(META.patch) };
  return { content, required: true };
}

/** get/put/patch on `<item>/<sub>` for status and scale. */
function itemOps(args: { gv: GroupVersionInfo; d: ResourceDescriptor; gvk: GVK; what: string; suffix: string; verbs: string[]; strategic: boolean }): Json {
  const { gv, d, gvk, what, suffix, verbs, strategic } = args;
  const tag = tagOf(gv);
  const id = (verb: string) => operationId(verb, gv, d.kind, { namespaced: d.namespaced, suffix });
  const item: Json = {};
  if (verbs.includes('get')) item.get = op({ tag, action: 'get', description: `read ${what} of the specified ${d.kind}`, operationId: id('read'), gvk, responses: responses(['200'], gvk) });
  if (verbs.includes('update'))
    item.put = op({ tag, action: 'put', description: `replace ${what} of the specified ${d.kind}`, operationId: id('replace'), gvk, params: WRITE_PARAMS, body: jsonBody(gvk), responses: responses(['200', '201'], gvk) });
  if (verbs.includes('patch'))
    item.patch = op({ tag, action: 'patch', description: `partially update ${what} of the specified ${d.kind}`, operationId: id('patch'), gvk, params: [...WRITE_PARAMS, P.force], body: patchBody(strategic), responses: responses(['200', '201'], gvk) });
  return item;
}

/** The OpenAPI v3 document for one group version. */
export function groupVersionDocument(gv: GroupVersionInfo, opts: OpenAPIBuildOptions = {}): Json {
  const smp = opts.supportsStrategicMerge ?? ((d: ResourceDescriptor) => BUILT_IN_GROUPS.has(d.group));
  const root = gv.group === '' ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
  const tag = tagOf(gv);
  const paths: Record<string, Json> = {};
  const schemas = new Map<string, GVK>();
  const want = (gvk: GVK) => schemas.set(schemaName(gvk), gvk);
  // Custom resources publish their CRD's schema (for kubectl explain); everything else stays open.
  const complete = new Map<string, Json>();
  for (const m of Object.values(META)) want(m);

  for (const d of gv.descriptors) {
    const gvk = { group: gv.group, version: gv.version, kind: d.kind };
    const listGvk = { ...gvk, kind: d.listKind };
    want(gvk);
    want(listGvk);
    const customSchema = customResourceOpenAPISchema(d);
    if (customSchema) {
      complete.set(schemaName(gvk), customSchema);
      complete.set(schemaName(listGvk), customResourceListOpenAPISchema(d, ref(gvk).$ref)!);
    }
    const verbs = d.verbs ?? DEFAULT_VERBS;
    const strategic = smp(d);
    const scopeParams = d.namespaced ? [NAMESPACE, P.pretty] : [P.pretty];
    const collection = d.namespaced ? `${root}/namespaces/{namespace}/${d.plural}` : `${root}/${d.plural}`;
    const item = `${collection}/{name}`;
    const id = (verb: string, extra: { suffix?: string; allNamespaces?: boolean } = {}) => operationId(verb, gv, d.kind, { namespaced: d.namespaced, ...extra });

    const coll: Json = { parameters: scopeParams };
    if (verbs.includes('list')) coll.get = op({ tag, action: 'list', description: `list or watch objects of kind ${d.kind}`, operationId: id('list'), gvk, params: LIST_PARAMS, responses: responses(['200'], listGvk) });
    if (verbs.includes('create'))
      coll.post = op({ tag, action: 'post', description: `create a ${d.kind}`, operationId: id('create'), gvk, params: WRITE_PARAMS, body: jsonBody(gvk), responses: responses(['200', '201', '202'], gvk) });
    if (verbs.includes('deletecollection'))
      coll.delete = op({
        tag, action: 'deletecollection', description: `delete collection of ${d.kind}`, operationId: id('deleteCollection'), gvk,
        params: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy, ...LIST_PARAMS], body: { content: { '*/*': { schema: ref(META.deleteOptions) } } }, responses: responses(['200'], META.status),
      });
    if (Object.keys(coll).length > 1) paths[collection] = coll;

    const one: Json = { parameters: [NAME(d.kind), ...scopeParams] };
    if (verbs.includes('get')) one.get = op({ tag, action: 'get', description: `read the specified ${d.kind}`, operationId: id('read'), gvk, responses: responses(['200'], gvk) });
    if (verbs.includes('update'))
      one.put = op({ tag, action: 'put', description: `replace the specified ${d.kind}`, operationId: id('replace'), gvk, params: WRITE_PARAMS, body: jsonBody(gvk), responses: responses(['200', '201'], gvk) });
    if (verbs.includes('patch'))
      one.patch = op({ tag, action: 'patch', description: `partially update the specified ${d.kind}`, operationId: id('patch'), gvk, params: [...WRITE_PARAMS, P.force], body: patchBody(strategic), responses: responses(['200', '201'], gvk) });
    if (verbs.includes('delete'))
      one.delete = op({
        tag, action: 'delete', description: `delete a ${d.kind}`, operationId: id('delete'), gvk,
        params: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], body: { content: { '*/*': { schema: ref(META.deleteOptions) } } }, responses: responses(['200', '202'], gvk),
      });
    if (Object.keys(one).length > 1) paths[item] = one;

    if (d.namespaced && verbs.includes('list')) {
      paths[`${root}/${d.plural}`] = {
        parameters: [P.pretty],
        get: op({ tag, action: 'list', description: `list or watch objects of kind ${d.kind}`, operationId: id('list', { allNamespaces: true }), gvk, params: LIST_PARAMS, responses: responses(['200'], listGvk) }),
      };
    }

    const subParams = { parameters: [NAME(d.kind), ...scopeParams] };
    if (d.subresources?.status) {
      paths[`${item}/status`] = { ...subParams, ...itemOps({ gv, d, gvk, what: 'status', suffix: 'Status', verbs: ['get', 'update', 'patch'], strategic }) };
    }
    if (d.subresources?.scale) {
      const scale = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
      want(scale);
      paths[`${item}/scale`] = { ...subParams, ...itemOps({ gv, d, gvk: scale, what: 'scale', suffix: 'Scale', verbs: ['get', 'update', 'patch'], strategic }) };
    }
    for (const p of d.subresources?.parts ?? []) {
      const cap = p.name.charAt(0).toUpperCase() + p.name.slice(1);
      paths[`${item}/${p.name}`] = { ...subParams, ...itemOps({ gv, d, gvk, what: p.name, suffix: cap, verbs: ['get', 'update', 'patch'], strategic }) };
    }
    for (const o of d.subresources?.other ?? []) {
      const sub = { group: o.group, version: o.version, kind: o.kind };
      want(sub);
      const cap = o.name.charAt(0).toUpperCase() + o.name.slice(1);
      const entry: Json = { ...subParams };
      if (o.verbs.includes('create'))
        entry.post = op({ tag, action: 'post', description: `create ${o.name} of a ${d.kind}`, operationId: id('create', { suffix: cap }), gvk: sub, params: WRITE_PARAMS, body: jsonBody(sub), responses: responses(['200', '201', '202'], sub) });
      if (o.verbs.includes('get')) entry.get = op({ tag, action: 'get', description: `read ${o.name} of the specified ${d.kind}`, operationId: id('read', { suffix: cap }), gvk: sub, responses: responses(['200'], sub) });
      if (Object.keys(entry).length > 1) paths[`${item}/${o.name}`] = entry;
    }
  }

  // Built-in kinds: upstream's schema and every one it refers to, under upstream's names.
  const found: Record<string, Json> = {};
  const renamed = new Map<string, string>();
  for (const [name, gvk] of schemas) {
    if (complete.has(name)) continue;
    const upstream = vendoredSchemas().nameOf(gvk);
    if (!upstream) continue;
    renamed.set(`#/components/schemas/${name}`, `#/components/schemas/${upstream}`);
    for (const [n, s] of vendoredSchemas().closure(upstream)) found[n] = s;
  }
  renameRefs(paths, renamed);

  const components: Record<string, Json> = { ...found };
  for (const [name, gvk] of [...schemas].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (renamed.has(`#/components/schemas/${name}`)) continue;
    components[name] = complete.get(name) ?? {
      description: `${gvk.kind} (${apiVersionOf(gvk)}). Open schema: the server validates the body.`,
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }

  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: opts.serverVersion ?? 'unversioned' },
    paths,
    components: { schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => (a < b ? -1 : 1))) },
  };
}

/** Points operations' `$ref`s at the names their schemas are published under. */
function renameRefs(value: unknown, names: ReadonlyMap<string, string>): void {
  if (!names.size || !value || typeof value !== 'object') return;
  const o = value as Json;
  for (const [k, v] of Object.entries(o)) {
    if (k === '$ref' && typeof v === 'string') o.$ref = names.get(v) ?? v;
    else renameRefs(v, names);
  }
}

/** `api/v1` or `apis/apps/v1`: the keys of the root document's `paths`. */
export function documentKey(gv: Pick<GroupVersionInfo, 'group' | 'version'>): string {
  return gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

export function groupVersionsOf(descriptors: readonly ResourceDescriptor[]): GroupVersionInfo[] {
  return groupDescriptors(descriptors).flatMap((g) => g.versions);
}
