// POST, PUT, PATCH, DELETE and DELETE-collection over HTTP: parse the request, call the shared
// operations, answer with the stored object (or a Status) in the negotiated form.
import { apiVersionOf, type KObject } from '../../registry/types.js';
import { ApiError, errors, successStatus } from '../errors.js';
import { decodeObjectBody, mediaType, parseJson, readBody, readObjectBody } from '../http/body.js';
import { APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from '../patch/index.js';
import { patchStored } from '../resources/patch-object.js';
import { createObject, deleteObject, finalizeNamespace, updateObject, type DeleteOptions } from '../resources/operations.js';
import { parseFieldValidation } from '../resources/field-validation.js';
import { parseDeleteOptions } from '../resources/delete-options.js';
import { buildFilter, selectorsOf } from '../resources/filters.js';
import { addWarning, sendJson } from '../http/respond.js';
import { queryBool } from '../http/query.js';
import { decodeYaml } from '../http/yaml-decoder.js';
import { serverSideApply } from '../apply/server-side-apply.js';
import { fieldManagerOf } from '../apply/update-fields.js';
import { sendObject, type ReadRequest } from './read.js';

/** dryRun, fieldValidation and a warning sink, from the request. */
export function writeOptions(r: ReadRequest) {
  return {
    dryRun: isDryRun(r.query), fieldValidation: parseFieldValidation(r.query.get('fieldValidation')), warn: (text: string) => addWarning(r.res, text), user: r.user,
    fieldManager: checkedFieldManager(r),
  };
}

function checkedFieldManager(r: ReadRequest): string {
  const given = r.query.get('fieldManager');
  if (given !== null && given.length > 128) throw errors.badRequest('fieldManager: Too long: may not be more than 128 bytes');
  return fieldManagerOf(r.query, r.req.headers['user-agent']);
}

export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

export async function handleCreate(r: ReadRequest): Promise<void> {
  const body = await readObjectBody(r.req);
  const obj = await createObject(r.ctx, r.d, r.namespace, body, writeOptions(r));
  sendObject(r, obj, 201);
}

export async function handleUpdate(r: ReadRequest, name: string, subresource?: string): Promise<void> {
  const body = await readObjectBody(r.req);
  const obj = await updateObject(r.ctx, r.d, r.namespace, name, body, { ...writeOptions(r), subresource });
  sendObject(r, obj);
}

export async function handleFinalize(r: ReadRequest, name: string): Promise<void> {
  const body = await readObjectBody(r.req);
  sendObject(r, await finalizeNamespace(r.ctx, r.d, name, body, { dryRun: isDryRun(r.query) }));
}

export async function readPatch(r: ReadRequest): Promise<{ contentType: string; body: unknown }> {
  const contentType = mediaType(r.req.headers['content-type']);
  const supported = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];
  if (!supported.includes(contentType)) {
    throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`);
  }
  const raw = await readBody(r.req);
  if (contentType === APPLY_PATCH) {
    // An applied configuration is YAML (kubectl sends it as JSON, which YAML reads too).
    if (raw.length === 0) throw errors.badRequest('the request body is empty: expected an applied configuration');
    return { contentType, body: raw[0] === 0x7b ? parseJson(raw) : await decodeYaml(raw.toString('utf8')) };
  }
  return { contentType, body: parseJson(raw) };
}

export async function handlePatch(r: ReadRequest, name: string, subresource?: string): Promise<void> {
  if (mediaType(r.req.headers['content-type']) === APPLY_PATCH) {
    if (subresource) throw errors.unsupportedMediaType(`server-side apply to the ${subresource} subresource is not supported by k3ts; apply to the object itself`);
    const { body } = await readPatch(r);
    const { object, created } = await serverSideApply(r.ctx, r.d, { namespace: r.namespace, name }, body, {
      ...writeOptions(r), fieldManager: r.query.get('fieldManager') ?? '', force: queryBool(r.query, 'force'),
    });
    sendObject(r, object, created ? 201 : 200);
    return;
  }
  const patch = await readPatch(r);
  const obj = await patchStored(r.ctx, r.d, { namespace: r.namespace, name }, patch, { ...writeOptions(r), subresource });
  sendObject(r, obj);
}

/** DeleteOptions come as JSON, YAML or protobuf like any body (client-go's typed clients, helm's
 *  release Secret among them, send protobuf); an empty body means defaults. */
async function readDeleteOptions(r: ReadRequest): Promise<DeleteOptions> {
  const raw = await readBody(r.req);
  return parseDeleteOptions(raw.length > 0 ? await decodeObjectBody(raw, r.req.headers['content-type']) : undefined, r.query);
}

export async function handleDelete(r: ReadRequest, name: string): Promise<void> {
  const opts = await readDeleteOptions(r);
  const result = await deleteObject(r.ctx, r.d, r.namespace, name, opts);
  if (!result.gone || r.d.deletion?.returnsObject) {
    sendObject(r, result.object);
    return;
  }
  sendJson(r.req, r.res, 200, successStatus({ name, group: r.d.group, kind: r.d.plural, uid: result.object.metadata.uid }));
}

export async function handleDeleteCollection(r: ReadRequest): Promise<void> {
  const opts = await readDeleteOptions(r);
  const page = await r.ctx.store.list(r.d, { namespace: r.namespace, filter: buildFilter(r.d, selectorsOf(r.query)) });
  // Deletes in flight together share the datastore's group commit: one fsync per batch, not per
  // object, so a large collection goes in a fraction of the time.
  const deleted: Array<KObject | undefined> = new Array(page.items.length);
  const batch = 64;
  for (let i = 0; i < page.items.length; i += batch) {
    await Promise.all(
      page.items.slice(i, i + batch).map(async (obj, j) => {
        try {
          deleted[i + j] = (await deleteObject(r.ctx, r.d, obj.metadata.namespace, obj.metadata.name!, opts)).object;
        } catch (err) {
          if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
        }
      }),
    );
  }
  const items = deleted.filter((o): o is KObject => o !== undefined);
  sendJson(r.req, r.res, 200, { kind: r.d.listKind, apiVersion: apiVersionOf(r.d), metadata: { resourceVersion: page.resourceVersion }, items });
}
