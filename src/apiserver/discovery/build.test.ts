import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDiscoveryDocuments } from './documents.js';
import { compareVersions } from './build.js';
import { sampleDescriptors } from './sample-descriptors.js';

const docs = buildDiscoveryDocuments(sampleDescriptors);
const json = (s: string) => JSON.parse(s);

test('/api lists v1 and the address clients should use', () => {
  assert.deepEqual(json(docs.apiVersions('10.0.0.1:6443').body), {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }],
  });
  assert.equal(docs.apiVersions('10.0.0.1:6443'), docs.apiVersions('10.0.0.1:6443'), 'cached per address');
});

test('/apis lists groups in upstream order, core excluded', () => {
  const list = json(docs.apiGroupList.body);
  assert.equal(list.kind, 'APIGroupList');
  assert.equal(list.apiVersion, 'v1');
  assert.deepEqual(
    list.groups.map((g: { name: string }) => g.name),
    ['apps', 'events.k8s.io', 'batch', 'coordination.k8s.io', 'discovery.k8s.io'],
  );
  assert.deepEqual(list.groups[0], {
    name: 'apps',
    versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
    preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
  });
  assert.equal(json(docs.apiGroup('batch')!.body).kind, 'APIGroup');
  assert.equal(docs.apiGroup('nope'), undefined);
});

test('/api/v1 lists resources with their subresources right after them', () => {
  const list = json(docs.resourceList('v1')!.body);
  assert.equal(list.kind, 'APIResourceList');
  assert.equal(list.groupVersion, 'v1');
  const names = list.resources.map((r: { name: string }) => r.name);
  assert.deepEqual(names, ['configmaps', 'namespaces', 'namespaces/status', 'pods', 'pods/binding', 'pods/eviction', 'pods/exec', 'pods/log', 'pods/status']);
  const byName = Object.fromEntries(list.resources.map((r: { name: string }) => [r.name, r]));
  assert.deepEqual(byName.pods, {
    name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'], categories: ['all'],
  });
  assert.deepEqual(byName['pods/eviction'], { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  assert.deepEqual(byName['pods/binding'], { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
  assert.deepEqual(byName['pods/status'], { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
  assert.equal(byName.namespaces.namespaced, false);
  assert.deepEqual(byName.namespaces.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.equal('shortNames' in byName.configmaps && 'categories' in byName.configmaps, false, 'empty lists are left out');
});

test('/apis/apps/v1 lists deployments/scale as autoscaling/v1 Scale', () => {
  const list = json(docs.resourceList('apps/v1')!.body);
  assert.equal(list.groupVersion, 'apps/v1');
  const byName = Object.fromEntries(list.resources.map((r: { name: string }) => [r.name, r]));
  assert.deepEqual(byName['deployments/scale'], {
    name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'],
  });
  assert.deepEqual(byName['deployments/status'], { name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get', 'patch', 'update'] });
  assert.deepEqual(byName.deployments.shortNames, ['deploy']);
  assert.equal(docs.resourceList('apps/v2'), undefined);
});

test('aggregated /apis in v2 and v2beta1 share one shape', () => {
  const v2 = json(docs.aggregated('apis', 'v2').body);
  const beta = json(docs.aggregated('apis', 'v2beta1').body);
  assert.equal(v2.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.equal(beta.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.deepEqual({ ...v2, apiVersion: '' }, { ...beta, apiVersion: '' });
  assert.equal(v2.kind, 'APIGroupDiscoveryList');
  assert.deepEqual(v2.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['apps', 'events.k8s.io', 'batch', 'coordination.k8s.io', 'discovery.k8s.io']);
  const apps = v2.items[0];
  assert.equal(apps.versions[0].version, 'v1');
  assert.equal(apps.versions[0].freshness, 'Current');
  const deploy = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
  assert.deepEqual(deploy, {
    resource: 'deployments',
    responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    scope: 'Namespaced',
    singularResource: 'deployment',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      { subresource: 'status', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
    ],
  });
});

test('aggregated /api holds only the core group', () => {
  const api = json(docs.aggregated('api', 'v2').body);
  assert.equal(api.items.length, 1);
  assert.equal(api.items[0].metadata.name ?? '', '');
  const res = api.items[0].versions[0].resources;
  const ns = res.find((r: { resource: string }) => r.resource === 'namespaces');
  assert.equal(ns.scope, 'Cluster');
  const pods = res.find((r: { resource: string }) => r.resource === 'pods');
  assert.deepEqual(
    pods.subresources.find((s: { subresource: string }) => s.subresource === 'eviction'),
    { subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
  );
});

test('answer() picks the format and Content-Type from Accept', () => {
  const a = docs.answer('apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' });
  assert.equal(a.headers['Content-Type'], 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
  assert.equal(a.headers.Vary, 'Accept');
  assert.equal(json(a.body).apiVersion, 'apidiscovery.k8s.io/v2beta1');
  const legacy = docs.answer('api', { accept: 'application/json, */*', serverAddress: 'h:1' });
  assert.equal(legacy.headers['Content-Type'], 'application/json');
  assert.equal(json(legacy.body).kind, 'APIVersions');
});

test('versions sort GA, beta, alpha, newest first', () => {
  assert.deepEqual(['v1alpha1', 'v1beta1', 'v2', 'v1', 'v1beta2', 'foo'].sort(compareVersions), ['v2', 'v1', 'v1beta2', 'v1beta1', 'v1alpha1', 'foo']);
});
