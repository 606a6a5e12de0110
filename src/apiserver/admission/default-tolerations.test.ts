import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { createObject, updateObject } from '../resources/operations.js';
import type { ResourceContext } from '../resources/context.js';
import { defaultTolerations } from './default-tolerations.js';

const pod = (name: string, tolerations?: unknown[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...(tolerations ? { tolerations } : {}) },
});

describe('DefaultTolerationSeconds admission', () => {
  let cp: TestControlPlane;
  let ctx: ResourceContext;
  before(async () => {
    cp = await startTestControlPlane();
    // The control plane may run the plugin with its own settings already: these are the ones under test.
    const others = cp.context.admission.filter((p) => p.name !== 'DefaultTolerationSeconds');
    ctx = { ...cp.context, admission: [...others, defaultTolerations({ notReadySeconds: 300, unreachableSeconds: 120 })] };
  });
  after(() => cp.close());
  const create = (body: unknown) => createObject(ctx, ctx.registry.findByResource('', 'v1', 'pods')!, 'default', body);

  it('adds not-ready and unreachable NoExecute tolerations with their seconds', async () => {
    const got = await create(pod('plain'));
    assert.deepEqual((got.spec as { tolerations: unknown[] }).tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 120 },
    ]);
  });

  it('keeps what the pod already says about either taint', async () => {
    const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 };
    const got = await create(pod('own', [own]));
    assert.deepEqual((got.spec as { tolerations: unknown[] }).tolerations, [
      own,
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });

  it('adds nothing to a pod that tolerates every taint', async () => {
    const all = { operator: 'Exists' };
    const got = await create(pod('all', [all]));
    assert.deepEqual((got.spec as { tolerations: unknown[] }).tolerations, [all]);
  });

  it('leaves updates alone', async () => {
    const created = await create(pod('upd', [{ operator: 'Exists' }]));
    const d = ctx.registry.findByResource('', 'v1', 'pods')!;
    const updated = await updateObject(ctx, d, 'default', 'upd', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    assert.deepEqual((updated.spec as { tolerations: unknown[] }).tolerations, [{ operator: 'Exists' }]);
  });

  it('adds them back to an update that lacks them, so a metadata-only replace is not a spec change', async () => {
    const created = await create(pod('again'));
    const d = ctx.registry.findByResource('', 'v1', 'pods')!;
    // What the client read back, without the tolerations (other admission plugins' additions stay).
    const body = structuredClone(created);
    delete (body.spec as { tolerations?: unknown[] }).tolerations;
    const updated = await updateObject(ctx, d, 'default', 'again', { ...body, metadata: { ...body.metadata, labels: { a: 'b' } } });
    assert.deepEqual(updated.metadata.labels, { a: 'b' });
    assert.deepEqual((updated.spec as { tolerations: unknown[] }).tolerations, (created.spec as { tolerations: unknown[] }).tolerations);
  });
});
