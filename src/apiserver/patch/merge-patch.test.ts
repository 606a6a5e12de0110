import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMergePatch } from './merge-patch.js';
import { PatchError } from './patch-error.js';

const configMap = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', labels: { app: 'web', tier: 'front' } },
  data: { a: '1', b: '2' },
  list: [1, 2, 3],
});

describe('JSON merge patch', () => {
  it('removes a label with null (kubectl label k-) and adds another', () => {
    const original = configMap();
    const out = applyMergePatch(original, { metadata: { labels: { tier: null, env: 'prod' } } }) as any;
    assert.deepEqual(out.metadata.labels, { app: 'web', env: 'prod' });
    assert.deepEqual(original, configMap());
  });

  it('replaces lists whole and creates missing objects', () => {
    const out = applyMergePatch(configMap(), { list: [9], spec: { replicas: 3 } }) as any;
    assert.deepEqual(out.list, [9]);
    assert.deepEqual(out.spec, { replicas: 3 });
  });

  it('shares nothing with the original, so later edits of the result cannot leak into it', () => {
    const original = configMap();
    const out = applyMergePatch(original, { data: { c: '3' } }) as any;
    out.metadata.labels.app = 'changed';
    assert.equal(original.metadata.labels.app, 'web');
  });

  it('answers 400 for a body that is not an object', () => {
    for (const body of [[{ op: 'add' }], 'x', 3, null]) {
      assert.throws(() => applyMergePatch(configMap(), body), (err: unknown) => err instanceof PatchError && err.code === 'BadRequest');
    }
  });

  it('keeps a "__proto__" key as data', () => {
    const out = applyMergePatch(configMap(), JSON.parse('{"data":{"__proto__":{"polluted":"yes"}}}')) as any;
    assert.equal(({} as any).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out.data, '__proto__')?.value, { polluted: 'yes' });
  });
});
