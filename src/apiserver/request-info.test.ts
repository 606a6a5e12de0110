import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

const q = new URLSearchParams();

test('a node proxy path is nodes/proxy with the verb of its HTTP method, whatever path follows', () => {
  assert.deepEqual(parseRequestInfo('GET', '/api/v1/nodes/n1/proxy/metrics', q), { kind: 'resource', verb: 'get', group: '', version: 'v1', resource: 'nodes', name: 'n1', subresource: 'proxy' });
  assert.deepEqual(parseRequestInfo('GET', '/api/v1/nodes/n1/proxy/stats/summary', q), { kind: 'resource', verb: 'get', group: '', version: 'v1', resource: 'nodes', name: 'n1', subresource: 'proxy' });
  assert.equal((parseRequestInfo('POST', '/api/v1/nodes/n1/proxy/run', q) as { verb: string }).verb, 'create');
  assert.equal((parseRequestInfo('DELETE', '/api/v1/nodes/n1/proxy/x', q) as { verb: string }).verb, 'delete');
  assert.equal(parseRequestInfo('GET', '/api/v1/namespaces/d/services/s/proxy/a/b', q).kind, 'resource');
});

test('extra segments after any other subresource are still no resource request', () => {
  assert.deepEqual(parseRequestInfo('GET', '/api/v1/namespaces/d/pods/p/log/extra', q), { kind: 'nonresource', verb: 'get', path: '/api/v1/namespaces/d/pods/p/log/extra' });
});
