import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { sampleDescriptors } from '../discovery/sample-descriptors.js';
import { buildOpenAPIDocuments } from './documents.js';
import { swaggerDocument } from './v2.js';
import { buildOpenAPIV2, chooseV2Form, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ACCEPT } from './v2-documents.js';

type Json = Record<string, any>;
const v2 = swaggerDocument(sampleDescriptors) as Json;

test('the v2 document has every path of the v3 documents, with the same operations', () => {
  const v3 = buildOpenAPIDocuments(sampleDescriptors);
  const root = JSON.parse(v3.root.body) as { paths: Record<string, unknown> };
  const v3Paths = new Map<string, string[]>();
  for (const key of Object.keys(root.paths)) {
    const doc = JSON.parse(v3.document(key)!.body) as { paths: Record<string, Json> };
    for (const [path, item] of Object.entries(doc.paths)) v3Paths.set(path, Object.keys(item).filter((k) => k !== 'parameters').sort());
  }
  assert.equal(v2.swagger, '2.0');
  assert.deepEqual(Object.keys(v2.paths).sort(), [...v3Paths.keys()].sort());
  for (const [path, ops] of v3Paths) assert.deepEqual(Object.keys(v2.paths[path]).filter((k) => k !== 'parameters').sort(), ops, path);
});

test('PATCH takes fieldValidation and names its kind, so kubectl 1.27 validates on the server', () => {
  const patch = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query' && p.type === 'string'));
  assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
  const body = patch.parameters.find((p: Json) => p.in === 'body');
  assert.equal(body.schema.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  const refs = new Set<string>();
  JSON.stringify(v2, (k, v) => {
    if (k === '$ref') refs.add(v);
    return v;
  });
  for (const r of refs) assert.ok(v2.definitions[r.replace('#/definitions/', '')], `${r} has its definition`);
  // Path parameters are v2-shaped: the type sits on the parameter, not under `schema`.
  const name = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].parameters[0];
  assert.deepEqual({ name: name.name, in: name.in, required: name.required, type: name.type, schema: name.schema }, { name: 'name', in: 'path', required: true, type: 'string', schema: undefined });
  // Upstream's v2 form: a $ref keeps its siblings (no allOf), with the patch extensions.
  const spec = v2.definitions['io.k8s.api.apps.v1.DeploymentSpec'];
  assert.equal(spec.properties.strategy.$ref, '#/definitions/io.k8s.api.apps.v1.DeploymentStrategy');
  assert.equal(spec.properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.equal(spec.properties.strategy.allOf, undefined);
  assert.deepEqual(v2.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
});

test('Accept decides the form: protobuf by name, JSON for json or wildcards, 406 otherwise', () => {
  assert.equal(chooseV2Form(OPENAPI_V2_PROTOBUF_ACCEPT), 'protobuf');
  assert.equal(chooseV2Form(`${OPENAPI_V2_PROTOBUF}, application/json`), 'protobuf');
  assert.equal(chooseV2Form('application/json'), 'json');
  assert.equal(chooseV2Form(undefined), 'json');
  assert.equal(chooseV2Form('text/html, */*;q=0.1'), 'json');
  assert.equal(chooseV2Form('text/html'), undefined);

  const docs = buildOpenAPIV2(sampleDescriptors);
  const json = docs.answer({ accept: 'application/json' });
  assert.equal(json.status, 200);
  assert.equal(json.headers['Content-Type'], 'application/json');
  assert.equal(JSON.parse(json.body!.toString()).swagger, '2.0');
  assert.equal(docs.answer({ accept: 'application/json', ifNoneMatch: json.headers.ETag }).status, 304);
  assert.equal(docs.answer({ accept: 'text/html' }).status, 406);

  // Go's mime parser refuses `@` in a Content-Type, so the answer uses the dotted spelling.
  const pb = docs.answer({ accept: OPENAPI_V2_PROTOBUF_ACCEPT });
  assert.equal(pb.headers['Content-Type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  assert.notEqual(pb.headers.ETag, json.headers.ETag);

  // gnostic's Document: field 1 swagger, 2 info, 8 paths (field 2: one NamedPathItem each), 9 definitions.
  const top = fields(pb.body!);
  assert.equal(Buffer.from(top.get(1)![0]!).toString(), '2.0');
  const paths = fields(top.get(8)![0]!);
  assert.equal(paths.get(2)!.length, Object.keys(v2.paths).length);
  const firstPath = fields(paths.get(2)![0]!);
  assert.equal(Buffer.from(firstPath.get(1)![0]!).toString(), Object.keys(v2.paths)[0]);
  assert.equal(fields(top.get(9)![0]!).get(1)!.length, Object.keys(v2.definitions).length);
});

/** Length-delimited fields of one message by number (enough to walk the document's structure). */
function fields(bytes: Uint8Array): Map<number, Uint8Array[]> {
  const r = protobuf.Reader.create(bytes);
  const out = new Map<number, Uint8Array[]>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    if ((tag & 7) !== 2) {
      r.skipType(tag & 7);
      continue;
    }
    const list = out.get(tag >>> 3) ?? [];
    list.push(r.bytes());
    out.set(tag >>> 3, list);
  }
  return out;
}
