import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createNodePodGraph } from './node-pod-graph.js';
import type { KObject } from '../registry/types.js';

const pod = (name: string, node: string | undefined, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'x' }], ...spec },
});

describe('the node authorizer\'s pod graph', () => {
  it('knows which node\'s pods use a ServiceAccount, ConfigMap or Secret, through binds, updates and deletes', () => {
    const g = createNodePodGraph();
    assert.equal(g.ready, false);
    g.replace([pod('a', 'n1', { serviceAccountName: 'ci', volumes: [{ name: 'v', configMap: { name: 'cfg' } }] }), pod('pending', undefined, { imagePullSecrets: [{ name: 'pull' }] })]);
    assert.equal(g.ready, true);
    assert.equal(g.uses('n1', 'ns', 'serviceaccounts', 'ci'), true);
    assert.equal(g.uses('n1', 'ns', 'configmaps', 'cfg'), true);
    assert.equal(g.uses('n2', 'ns', 'configmaps', 'cfg'), false, 'another node');
    assert.equal(g.uses('n1', 'other', 'configmaps', 'cfg'), false, 'another namespace');
    assert.equal(g.uses('n1', 'ns', 'secrets', 'pull'), false, 'a pod not bound yet gives no rights');

    const env = { containers: [{ name: 'c', image: 'x', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }] }] };
    g.set(pod('b', 'n1', env));
    g.set(pod('c', 'n1', env));
    assert.equal(g.uses('n1', 'ns', 'secrets', 'db'), true);
    assert.equal(g.uses('n1', 'ns', 'serviceaccounts', 'default'), true, 'no serviceAccountName means default');
    g.remove(pod('b', 'n1'));
    assert.equal(g.uses('n1', 'ns', 'secrets', 'db'), true, 'pod c still uses it');
    g.set(pod('c', 'n1'));
    assert.equal(g.uses('n1', 'ns', 'secrets', 'db'), false, 'an update that drops the reference drops the right');
    g.remove(pod('a', 'n1'));
    assert.equal(g.uses('n1', 'ns', 'serviceaccounts', 'ci'), false);
    assert.equal(g.uses('n1', 'ns', 'configmaps', 'cfg'), false);
  });
});
