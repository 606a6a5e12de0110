// GET of one object and LIST of a collection, as JSON, YAML, metadata-only or a Table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { apiVersionOf } from '../../registry/types.js';
import { errors } from '../errors.js';
import type { ResponseForm } from '../http/negotiate.js';
import { sendJson, sendText } from '../http/respond.js';
import type { RequestUser, ResourceContext } from '../resources/context.js';
import { buildTable, parseIncludeObject } from '../table.js';
import { buildFilter, selectorsOf } from '../resources/filters.js';
import { queryInt64, queryResourceVersion } from '../http/query.js';

export interface ReadRequest {
  req: IncomingMessage;
  res: ServerResponse;
  ctx: ResourceContext;
  d: ResourceDescriptor;
  namespace?: string;
  query: URLSearchParams;
  form: ResponseForm;
  user?: RequestUser;
}

export async function handleGet(r: ReadRequest, name: string): Promise<void> {
  const obj = await r.ctx.store.get(r.d, r.namespace, name);
  sendObject(r, obj);
}

export function sendObject(r: Pick<ReadRequest, 'req' | 'res' | 'd' | 'query' | 'form'>, obj: KObject, code = 200): void {
  const { form } = r;
  if (form.kind === 'table') {
    sendJson(r.req, r.res, code, buildTable(r.d, [obj], { include: parseIncludeObject(r.query.get('includeObject')), apiVersion: form.apiVersion, resourceVersion: obj.metadata.resourceVersion }));
  } else if (form.kind === 'metadata') {
    sendJson(r.req, r.res, code, { kind: 'PartialObjectMetadata', apiVersion: form.apiVersion, metadata: obj.metadata });
  } else {
    sendJson(r.req, r.res, code, obj, form.kind === 'yaml');
  }
}

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

/** The answer's bytes: texts joined as text; items given as bytes (etcd) copied once, never decoded. */
function listBody(head: string, items: (string | Buffer[])[]): string | Buffer {
  if (!items.some((item) => typeof item !== 'string')) return `${head}${items.join(',')}]}`;
  const parts: Buffer[] = [Buffer.from(head)];
  items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    if (typeof item === 'string') parts.push(Buffer.from(item));
    else for (const piece of item) parts.push(piece);
  });
  parts.push(LIST_END);
  return Buffer.concat(parts);
}

export async function handleList(r: ReadRequest): Promise<void> {
  // A limit of 0 or less means no limit, as upstream.
  const limit = Math.max(0, queryInt64(r.query, 'limit') ?? 0);
  checkListParams(r.query);
  const req = {
    namespace: r.namespace,
    filter: buildFilter(r.d, selectorsOf(r.query)),
    limit,
    continueToken: r.query.get('continue') || undefined,
    resourceVersion: queryResourceVersion(r.query),
    resourceVersionMatch: r.query.get('resourceVersionMatch') ?? undefined,
  };
  const { form } = r;
  if (form.kind === 'json') {
    // The hot path (lists of thousands): stored texts go out as they are, never decoded.
    const page = await r.ctx.store.listJson(r.d, req);
    const head = `{"kind":${JSON.stringify(r.d.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(r.d))},"metadata":${JSON.stringify(listMeta(page))},"items":[`;
    sendText(r.req, r.res, 200, listBody(head, page.items), 'application/json');
    return;
  }
  const page = await r.ctx.store.list(r.d, req);
  if (form.kind === 'table') {
    const table = buildTable(r.d, page.items, {
      include: parseIncludeObject(r.query.get('includeObject')),
      apiVersion: form.apiVersion,
      resourceVersion: page.resourceVersion,
      continueToken: page.continueToken,
    });
    sendJson(r.req, r.res, 200, table);
  } else if (form.kind === 'metadata') {
    sendJson(r.req, r.res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: form.apiVersion,
      metadata: listMeta(page),
      items: page.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: form.apiVersion, metadata: o.metadata })),
    });
  } else {
    sendJson(r.req, r.res, 200, { kind: r.d.listKind, apiVersion: apiVersionOf(r.d), metadata: listMeta(page), items: page.items }, true);
  }
}

/** The combinations kube-apiserver refuses, refused with its words. */
function checkListParams(q: URLSearchParams): void {
  const rv = q.get('resourceVersion');
  const match = q.get('resourceVersionMatch');
  if (match !== null && match !== '') {
    if (match !== 'Exact' && match !== 'NotOlderThan') throw errors.badRequest(`resourceVersionMatch: Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan"`);
    if (!rv) throw errors.badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match === 'Exact' && rv === '0') throw errors.badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (q.get('continue') && rv && rv !== '0') throw errors.badRequest('resourceVersion: Forbidden: specifying resource version is not allowed when using continue');
}

function listMeta(page: { resourceVersion: string; continueToken?: string }): Record<string, string> {
  const metadata: Record<string, string> = { resourceVersion: page.resourceVersion };
  if (page.continueToken) metadata.continue = page.continueToken;
  return metadata;
}
