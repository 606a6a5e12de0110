// The quota admission over a real store: concurrent creates never overshoot, a refused create is
// a 403, and a create whose write fails gives its charge back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../storage/open.js';
import type { Backend } from '../../storage/backend.js';
import { ObjectStore } from '../store/object-store.js';
import { registry } from '../../registry/index.js';
import { createObject } from '../resources/operations.js';
import type { ResourceContext } from '../resources/context.js';
import { ApiError } from '../errors.js';
import { resourceQuotaAdmission } from './resource-quota.js';

describe('ResourceQuota admission', () => {
  let dir: string;
  let backend: Backend;
  let ctx: ResourceContext;
  const pods = registry.findByResource('', 'v1', 'pods')!;
  const quotas = registry.findByResource('', 'v1', 'resourcequotas')!;
  const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const used = async () => ((await ctx.store.get(quotas, 'ns', 'q')).status as { used: Record<string, string> }).used;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-quota-'));
    backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
    const base = { store: new ObjectStore(backend), registry };
    ctx = { ...base, admission: [resourceQuotaAdmission(base)] };
    const hard = { pods: '5' };
    await ctx.store.create(quotas, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'ns', uid: 'u', creationTimestamp: new Date().toISOString() }, spec: { hard }, status: { hard, used: { pods: '0' } } });
  });
  after(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('twenty racing creates under a quota of five: exactly five land, the rest are 403 exceeded quota', async () => {
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => createObject(ctx, pods, 'ns', pod(`p${i}`))));
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.equal(ok.length, 5);
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof ApiError && r.reason.code === 403, String(r.reason));
        assert.match(r.reason.message, /^pods "p\d+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=5, limited: pods=5$/);
      }
    }
    assert.deepEqual(await used(), { pods: '5' });
  });

  it('a create that fails after admission gives its charge back; a dry run charges nothing', async () => {
    const q = await ctx.store.get(quotas, 'ns', 'q');
    await ctx.store.update(quotas, { ...q, status: { ...(q.status as object), used: { pods: '4' } } });
    await assert.rejects(createObject(ctx, pods, 'ns', pod('p0')), (err: unknown) => err instanceof ApiError && err.reason === 'AlreadyExists');
    for (let i = 0; i < 50 && (await used()).pods !== '4'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(await used(), { pods: '4' });
    await createObject(ctx, pods, 'ns', pod('dry'), { dryRun: true });
    assert.deepEqual(await used(), { pods: '4' });
  });
});
