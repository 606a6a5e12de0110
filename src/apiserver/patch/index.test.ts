import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, PatchError, patchTypesFor } from './index.js';

const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof PatchError) return err.code;
    throw err;
  }
  return undefined;
}

describe('applyPatch', () => {
  it('picks the patch type from the Content-Type, parameters ignored', () => {
    const smp = applyPatch({
      contentType: 'application/strategic-merge-patch+json; charset=utf-8',
      original: pod(), patchBody: '{"spec":{"containers":[{"name":"c","image":"y"}]}}', group: '', kind: 'Pod',
    }) as any;
    assert.deepEqual(smp.spec.containers, [{ name: 'c', image: 'y' }]);

    const merge = applyPatch({
      contentType: 'application/merge-patch+json', original: pod(),
      patchBody: Buffer.from('{"spec":{"containers":[{"name":"d"}]}}'), group: '', kind: 'Pod',
    }) as any;
    assert.deepEqual(merge.spec.containers, [{ name: 'd' }]);

    const json = applyPatch({
      contentType: 'application/json-patch+json', original: pod(),
      patchBody: [{ op: 'add', path: '/metadata/labels/b', value: '2' }], group: '', kind: 'Pod',
    }) as any;
    assert.deepEqual(json.metadata.labels, { a: '1', b: '2' });
  });

  it('answers 400 for a body that is not JSON', () => {
    for (const contentType of ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      assert.equal(codeOf(() => applyPatch({ contentType, original: pod(), patchBody: '{nope', group: '', kind: 'Pod' })), 'BadRequest');
    }
  });

  it('answers 415 for a strategic merge patch on a kind without patch metadata (custom resources)', () => {
    let caught: unknown;
    try {
      applyPatch({ contentType: 'application/strategic-merge-patch+json', original: { metadata: {} }, patchBody: '{}', group: 'example.com', kind: 'Widget' });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof PatchError);
    assert.equal(caught.code, 'Unsupported');
    assert.equal(caught.status, 415);
    assert.equal(caught.reason, 'UnsupportedMediaType');
    assert.match(caught.message, /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json$/);
  });

  it('answers 415 for server-side apply and unknown patch types', () => {
    const err = (() => {
      try {
        applyPatch({ contentType: 'application/apply-patch+yaml', original: pod(), patchBody: '{}', group: '', kind: 'Pod' });
      } catch (e) {
        return e as PatchError;
      }
    })();
    assert.equal(err?.code, 'Unsupported');
    assert.match(err!.message, /server-side apply/);
    assert.equal(codeOf(() => applyPatch({ contentType: 'text/plain', original: pod(), patchBody: '{}', group: '', kind: 'Pod' })), 'Unsupported');
  });

  it('lists strategic merge among the accepted types only for built-in kinds', () => {
    assert.deepEqual(patchTypesFor('apps', 'Deployment'), ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
    assert.deepEqual(patchTypesFor('example.com', 'Widget'), ['application/json-patch+json', 'application/merge-patch+json']);
  });
});
