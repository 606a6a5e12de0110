// The OpenAPI v2 (Swagger 2.0) document at /openapi/v2, derived from the v3 group-version
// documents so both always list the same paths and operations. kubectl up to 1.27 validates
// `apply`/`create` only through it (it looks for the kind's PATCH operation taking
// `fieldValidation`, as newer ones do in v3), and 1.28+ still read it for patch metadata.
// Definitions are the v3 documents' schemas (build.ts) in Swagger 2.0 form.
import type { ResourceDescriptor } from '../../registry/types.js';
import { groupVersionDocument, groupVersionsOf, type OpenAPIBuildOptions } from './build.js';
import { toV2 } from './vendored-schemas.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** `#/components/schemas/X` → `#/definitions/X`. */
const v2Ref = (ref: unknown) => String(ref).replace('#/components/schemas/', '#/definitions/');

/** A v3 parameter (`schema: {type}`) as v2 writes it (the type on the parameter itself). */
function parameter(p: Json): Json {
  const { schema, ...rest } = p;
  return { ...rest, ...(schema as Json) };
}

function operation(op: Json): Json {
  const { requestBody, responses, parameters, ...rest } = op;
  const params = ((parameters as Json[] | undefined) ?? []).map(parameter);
  const consumes = new Set<string>();
  if (requestBody) {
    const content = (requestBody as { content: Record<string, { schema?: Json }>; required?: boolean }).content;
    const [first] = Object.values(content);
    for (const type of Object.keys(content)) if (type !== '*/*') consumes.add(type);
    params.push({ name: 'body', in: 'body', required: (requestBody as { required?: boolean }).required ?? false, schema: { $ref: v2Ref(first?.schema?.$ref) } });
  }
  const produces = new Set<string>();
  const out: Json = {};
  for (const [code, r] of Object.entries((responses as Record<string, { description: string; content?: Record<string, { schema?: Json }> }>) ?? {})) {
    const content = r.content ?? {};
    for (const type of Object.keys(content)) produces.add(type);
    const [first] = Object.values(content);
    out[code] = { description: r.description, ...(first?.schema ? { schema: { $ref: v2Ref(first.schema.$ref) } } : {}) };
  }
  return {
    ...rest,
    ...(consumes.size ? { consumes: [...consumes] } : {}),
    ...(produces.size ? { produces: [...produces] } : {}),
    schemes: ['https'],
    ...(params.length ? { parameters: params } : {}),
    responses: out,
  };
}

/** The whole-server Swagger 2.0 document. */
export function swaggerDocument(descriptors: readonly ResourceDescriptor[], opts: OpenAPIBuildOptions = {}): Json {
  const paths: Record<string, Json> = {};
  const definitions: Record<string, Json> = {};
  for (const gv of groupVersionsOf(descriptors)) {
    const doc = groupVersionDocument(gv, opts) as { paths: Record<string, Json>; components: { schemas: Record<string, Json> } };
    for (const [path, item] of Object.entries(doc.paths)) {
      const v2: Json = {};
      for (const m of METHODS) if (item[m]) v2[m] = operation(item[m] as Json);
      if (item.parameters) v2.parameters = (item.parameters as Json[]).map(parameter);
      paths[path] = v2;
    }
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      // Complete schemas refer to others by their v3 address, and through `allOf` where v2 keeps a `$ref` with siblings.
      definitions[name] ??= toV2(schema) as Json;
    }
  }
  const sorted = (o: Record<string, Json>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: opts.serverVersion ?? 'unversioned' },
    paths: sorted(paths),
    definitions: sorted(definitions),
  };
}
