import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleDescriptors } from '../discovery/sample-descriptors.js';
import { buildOpenAPIDocuments } from './documents.js';
import { cachedDocument, etagMatches, respondWithDocument } from './etag.js';

const docs = buildOpenAPIDocuments(sampleDescriptors, { serverVersion: 'v1.32.0+k3ts' });
type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
const doc = (key: string): Doc => JSON.parse(docs.document(key)!.body);

test('root lists every group version by a hash URL of its document', () => {
  const root = JSON.parse(docs.root.body);
  assert.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/apps/v1', 'apis/events.k8s.io/v1', 'apis/batch/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1']);
  assert.equal(root.paths['apis/apps/v1'].serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${docs.document('apis/apps/v1')!.hash}`);
  assert.match(docs.document('api/v1')!.hash, /^[0-9A-F]{128}$/);
});

test('every PATCH is tagged with its GVK and takes fieldValidation, dryRun, fieldManager and force', () => {
  const apps = doc('apis/apps/v1');
  const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  const names = item.patch.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
  assert.deepEqual(names.sort(), ['query:dryRun', 'query:fieldManager', 'query:fieldValidation', 'query:force']);
  assert.deepEqual(Object.keys(item.patch.requestBody.content).sort(), [
    'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
  ]);
  for (const [path, ops] of Object.entries(apps.paths)) {
    for (const method of ['post', 'put', 'patch']) {
      if (!ops[method]) continue;
      assert.ok(ops[method].parameters.some((p: { name: string }) => p.name === 'fieldValidation'), `${method} ${path}`);
      assert.ok(ops[method]['x-kubernetes-group-version-kind'], `${method} ${path} has a GVK`);
    }
  }
});

test('collection, item, all-namespaces, status and scale paths exist with the right verbs', () => {
  const apps = doc('apis/apps/v1');
  const base = '/apis/apps/v1/namespaces/{namespace}/deployments';
  assert.deepEqual(Object.keys(apps.paths[base]).sort(), ['delete', 'get', 'parameters', 'post']);
  assert.deepEqual(Object.keys(apps.paths[`${base}/{name}`]).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
  assert.deepEqual(Object.keys(apps.paths['/apis/apps/v1/deployments']).sort(), ['get', 'parameters']);
  assert.deepEqual(Object.keys(apps.paths[`${base}/{name}/status`]).sort(), ['get', 'parameters', 'patch', 'put']);
  const scale = apps.paths[`${base}/{name}/scale`];
  assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.equal(apps.paths[`${base}/{name}`].get['x-kubernetes-action'], 'get');
  assert.equal(apps.paths[base].get['x-kubernetes-action'], 'list');

  const core = doc('api/v1');
  assert.ok(core.paths['/api/v1/namespaces/{name}'], 'cluster-scoped item path');
  assert.equal(core.paths['/api/v1/namespaces'].delete, undefined, 'no deletecollection verb, no collection DELETE');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'].kind, 'Eviction');
});

test("every $ref resolves; built-in kinds carry upstream's schema, descriptions and GVK", () => {
  for (const key of ['api/v1', 'apis/apps/v1', 'apis/batch/v1']) {
    const d = doc(key);
    const refs = new Set<string>();
    JSON.stringify(d, (k, v) => {
      if (k === '$ref') refs.add(v);
      return v;
    });
    assert.ok(refs.size > 0);
    for (const r of refs) assert.ok(d.components.schemas[r.replace('#/components/schemas/', '')], `${key}: ${r} resolves`);
  }
  const apps = doc('apis/apps/v1');
  const deployment = apps.components.schemas['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  assert.equal(item.get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.Deployment');
  const spec = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'];
  // A $ref with siblings is written as allOf, as upstream's v3 documents do.
  assert.deepEqual(spec.properties.strategy.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }]);
  assert.equal(spec.properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.match(spec.properties.strategy.description, /deployment strategy to use to replace existing pods/);
  const podSpec = apps.components.schemas['io.k8s.api.core.v1.PodSpec'];
  assert.equal(podSpec.properties.containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(podSpec.properties.containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(podSpec.properties.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.ok(podSpec.required.includes('containers'));
  assert.equal(apps.components.schemas['io.k8s.api.core.v1.Container'].properties.env['x-kubernetes-patch-merge-key'], 'name');
  const rolling = apps.components.schemas['io.k8s.api.apps.v1.RollingUpdateDeployment'];
  assert.equal(rolling.properties.maxSurge['x-kubernetes-int-or-string'], true);
  // Only what the document's operations lead to: no batch kinds in apps/v1.
  assert.equal(apps.components.schemas['io.k8s.api.batch.v1.Job'], undefined);
});

test('kinds the vendored data lacks keep open schemas without a GVK tag', () => {
  const metrics = buildOpenAPIDocuments([
    { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics', listKind: 'PodMetricsList', plural: 'pods', singular: '', namespaced: true, verbs: ['get', 'list'] },
  ]);
  const d = JSON.parse(metrics.document('apis/metrics.k8s.io/v1beta1')!.body);
  const s = d.components.schemas['metrics.k8s.io.v1beta1.PodMetrics'];
  assert.equal(s.type, 'object');
  assert.equal(s['x-kubernetes-preserve-unknown-fields'], true);
  assert.equal(s['x-kubernetes-group-version-kind'], undefined);
});

test('kinds outside built-in groups do not advertise strategic merge patch', () => {
  const crd = buildOpenAPIDocuments([
    { group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', namespaced: true },
  ]);
  const d = JSON.parse(crd.document('apis/example.com/v1')!.body);
  const content = d.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch.requestBody.content;
  assert.equal('application/strategic-merge-patch+json' in content, false);
  assert.ok('application/merge-patch+json' in content);
});

test('answer(): 200 with ETag, 304 on If-None-Match, 301 for a stale hash, 404 otherwise', () => {
  const apps = docs.document('apis/apps/v1')!;
  const ok = docs.answer({ path: '/openapi/v3/apis/apps/v1', hash: apps.hash });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.ETag, `"${apps.hash}"`);
  assert.equal(ok.headers['Content-Type'], 'application/json');
  assert.equal(ok.headers['Cache-Control'], 'public, immutable');
  assert.equal(ok.body, apps.body);
  const notModified = docs.answer({ path: '/openapi/v3/apis/apps/v1', hash: apps.hash, ifNoneMatch: apps.etag });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body, undefined);
  const stale = docs.answer({ path: '/openapi/v3/apis/apps/v1', hash: 'OLD' });
  assert.equal(stale.status, 301);
  assert.equal(stale.headers.Location, `/openapi/v3/apis/apps/v1?hash=${apps.hash}`);
  assert.equal(docs.answer({ path: '/openapi/v3' }).body, docs.root.body);
  assert.equal(docs.answer({ path: '/openapi/v3/', ifNoneMatch: `W/${docs.root.etag}` }).status, 304);
  assert.equal(docs.answer({ path: '/openapi/v3/apis/nope/v1' }).status, 404);
  assert.equal(docs.answer({ path: '/openapi/v2' }).status, 404);
});

test('etag helpers', () => {
  const d = cachedDocument({ a: 1 });
  assert.equal(d.body, '{"a":1}');
  assert.equal(etagMatches(`"x", ${d.etag}`, d.etag), true);
  assert.equal(etagMatches('*', d.etag), true);
  assert.equal(etagMatches('"x"', d.etag), false);
  assert.equal(etagMatches(undefined, d.etag), false);
  assert.equal(respondWithDocument(d, { contentType: 'application/json', ifNoneMatch: d.etag }).status, 304);
  assert.deepEqual(respondWithDocument(d, { contentType: 'application/json' }), { status: 200, headers: { ETag: d.etag, 'Content-Type': 'application/json' }, body: '{"a":1}' });
  assert.equal(cachedDocument({ a: 1 }).hash, d.hash, 'stable');
});
