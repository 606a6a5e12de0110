import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateDiscovery } from './negotiate.js';

// What kubectl sends for GET /api and /apis (observed on the wire).
const KUBECTL_1_29 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const KUBECTL_1_32 =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

test('kubectl 1.27-1.29 get v2beta1, never v2', () => {
  assert.deepEqual(negotiateDiscovery(KUBECTL_1_29), {
    format: 'v2beta1',
    contentType: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  });
});

test('kubectl 1.30+ get v2', () => {
  assert.deepEqual(negotiateDiscovery(KUBECTL_1_32), {
    format: 'v2',
    contentType: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  });
});

test('plain JSON, */* or no Accept get legacy JSON', () => {
  for (const accept of ['application/json', 'application/json, */*', '*/*', undefined, '']) {
    assert.deepEqual(negotiateDiscovery(accept), { format: 'legacy', contentType: 'application/json' }, String(accept));
  }
});

test('order decides among equal q; q decides otherwise; q=0 refuses', () => {
  assert.equal(negotiateDiscovery('application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList').format, 'legacy');
  assert.equal(negotiateDiscovery('application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList').format, 'v2');
  assert.equal(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/json').format, 'legacy');
});

test('parameter order and spacing are free; unknown versions and other types are skipped', () => {
  assert.equal(negotiateDiscovery('application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io').format, 'v2');
  assert.equal(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json').format, 'legacy');
  assert.equal(
    negotiateDiscovery('application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList').format,
    'v2beta1',
  );
  assert.equal(negotiateDiscovery('application/json;as=Table;v=v1;g=meta.k8s.io,application/json').format, 'legacy');
  assert.equal(negotiateDiscovery(['application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', 'application/json']).format, 'v2');
});
