import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch } from './json-patch.js';
import { PatchError } from './patch-error.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '3' }, labels: { app: 'web' } },
  spec: {
    replicas: 2,
    template: {
      metadata: { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 'x' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] },
    },
  },
});

function expectPatchError(fn: () => unknown, code: PatchError['code'], detail?: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PatchError, `expected PatchError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (detail) assert.match([err.message, ...err.causes.map((c) => c.message)].join('\n'), detail);
    return true;
  });
}

describe('JSON patch', () => {
  it('applies what kubectl rollout undo sends: replace /spec/template and /metadata/annotations', () => {
    const original = deployment();
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } };
    const annotations = { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'rollback' };
    const out = applyJsonPatch(original, [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ]) as ReturnType<typeof deployment>;
    assert.deepEqual(out.spec.template, template);
    assert.deepEqual(out.metadata.annotations, annotations);
    assert.equal(out.spec.replicas, 2);
    assert.deepEqual(original, deployment());
  });

  it('supports add with "-", remove, move, copy and a passing test', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'test', path: '/metadata/name', value: 'web' },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'log', image: 'busybox' } },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'copy', from: '/metadata/name', path: '/metadata/labels/copied' },
      { op: 'move', from: '/spec/replicas', path: '/metadata/labels/replicas' },
    ]) as any;
    assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), ['nginx', 'log']);
    assert.deepEqual(out.metadata.labels, { copied: 'web', replicas: 2 });
    assert.equal('replicas' in out.spec, false);
  });

  it('fails a test op with 422 and leaves the original untouched although an earlier op applied', () => {
    const original = deployment();
    expectPatchError(() => applyJsonPatch(original, [
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'test', path: '/metadata/name', value: 'other' },
    ]), 'Invalid', /testing value \/metadata\/name failed/);
    assert.deepEqual(original, deployment());
  });

  it('answers 422 with the upstream message shape for a path that does not exist', () => {
    let caught: unknown;
    try {
      applyJsonPatch(deployment(), [{ op: 'remove', path: '/metadata/labels/nope' }]);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof PatchError);
    assert.equal(caught.status, 422);
    assert.equal(caught.reason, 'Invalid');
    assert.equal(caught.message, 'the server rejected our request due to an error in our request');
    assert.deepEqual(caught.causes, [{ reason: 'UnexpectedServerResponse', message: 'unable to remove nonexistent key: /metadata/labels/nope: missing value' }]);
  });

  it('answers 422 for replace on a missing key and add under a missing parent', () => {
    expectPatchError(() => applyJsonPatch(deployment(), [{ op: 'replace', path: '/spec/paused', value: true }]), 'Invalid', /replace operation does not apply/);
    expectPatchError(() => applyJsonPatch(deployment(), [{ op: 'add', path: '/status/x/y', value: 1 }]), 'Invalid', /add operation does not apply/);
  });

  it('answers 422 for an unknown op or a missing value', () => {
    expectPatchError(() => applyJsonPatch(deployment(), [{ op: 'frobnicate', path: '/spec' }]), 'Invalid', /Unexpected kind: frobnicate/);
    expectPatchError(() => applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/paused' }]), 'Invalid', /missing value/);
  });

  it('answers 400 for a body that is not an array of objects', () => {
    expectPatchError(() => applyJsonPatch(deployment(), { op: 'add', path: '/a', value: 1 }), 'BadRequest', /array/);
    expectPatchError(() => applyJsonPatch(deployment(), ['add']), 'BadRequest', /operation 0 must be an object/);
    expectPatchError(() => applyJsonPatch(deployment(), null), 'BadRequest');
  });
});
