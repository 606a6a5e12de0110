import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../storage/open.js';
import type { Backend } from '../../storage/backend.js';
import { ObjectStore } from '../store/object-store.js';
import { registry } from '../../registry/index.js';
import { createServiceAllocator, type ServiceAllocator } from './service-allocator.js';
import { datastoreClaims, ORPHAN_AFTER_MS } from './allocation-claims.js';
import { createObject, deleteObject } from '../resources/operations.js';
import type { ResourceContext } from '../resources/context.js';
import type { KObject } from '../../registry/types.js';
import { hasReason } from '../../client/types.js';

const svc = (name: string, spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });

// Two "servers": two stores and allocators, each with its own watch, over one datastore.
describe('ClusterIPs and NodePorts with two servers on one datastore', () => {
  let dir: string;
  let backend: Backend;
  const servers: Array<{ ctx: ResourceContext; allocator: ServiceAllocator }> = [];
  const d = registry.findByResource('', 'v1', 'services')!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-claims-'));
    backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
    for (let i = 0; i < 2; i++) {
      const base = { store: new ObjectStore(backend), registry };
      // A /28 has 14 usable addresses: without claims, two servers picking at random collide often.
      const allocator = createServiceAllocator(base, { serviceCidr: '10.96.0.0/28', nodePortRange: { min: 30000, max: 30013 }, claims: datastoreClaims(backend) });
      await allocator.start();
      servers.push({ ctx: { ...base, admission: [allocator] }, allocator });
    }
  });
  after(async () => {
    for (const s of servers) s.allocator.stop();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Services created at the same moment on both servers never share a value, until the range is full', async () => {
    const created = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => createObject(servers[i % 2]!.ctx, d, 'default', svc(`s${i}`, { type: 'NodePort', ports: [{ port: 80 }] }))),
    );
    // Right at the end of the range two creates can each hold the last value of one kind while
    // missing the other and both give up; asked again one at a time, they find what was given back
    // once the release has reached the other server through its watch (not always at the first try
    // on a loaded machine). A value leaked for good would still be missing after the deadline.
    const fulfilled = () => created.filter((r) => r.status === 'fulfilled').length;
    for (const until = Date.now() + 5000; fulfilled() < 14 && Date.now() < until; ) {
      for (let i = 0; i < created.length && fulfilled() < 14; i++) {
        if (created[i]!.status === 'fulfilled') continue;
        created[i] = await createObject(servers[i % 2]!.ctx, d, 'default', svc(`s${i}`, { type: 'NodePort', ports: [{ port: 80 }] })).then(
          (value) => ({ status: 'fulfilled' as const, value }),
          (reason: unknown) => ({ status: 'rejected' as const, reason }),
        );
      }
      if (fulfilled() < 14) await new Promise((r) => setTimeout(r, 20));
    }
    const ok = created.filter((r): r is PromiseFulfilledResult<KObject> => r.status === 'fulfilled').map((r) => r.value);
    const ips = ok.map((o) => (o.spec as { clusterIP: string }).clusterIP);
    const ports = ok.map((o) => (o.spec as { ports: Array<{ nodePort: number }> }).ports[0]!.nodePort);
    assert.equal(new Set(ips).size, ips.length, `duplicate ClusterIPs: ${ips.sort().join(' ')}`);
    assert.equal(new Set(ports).size, ports.length, `duplicate NodePorts: ${ports.sort().join(' ')}`);
    assert.equal(ok.length, 14, 'every address of the /28 is used once, none leaked by the losers of a race');
    for (const r of created) if (r.status === 'rejected') assert.ok(hasReason(r.reason, 'Invalid'), String(r.reason));
  });

  it('a value freed on one server can be taken through the other', async () => {
    const s0 = (await backend.get('/registry/core/services/default/s0'))!;
    const ip = (JSON.parse(s0.value).spec as { clusterIP: string }).clusterIP;
    await deleteObject(servers[0]!.ctx, d, 'default', 's0', {});
    let again: KObject | undefined;
    // The release reaches the other server through its watch: seconds on a loaded machine.
    for (const until = Date.now() + 10_000; !again && Date.now() < until; ) {
      again = await createObject(servers[1]!.ctx, d, 'default', svc('again', { clusterIP: ip, ports: [{ port: 80 }] })).catch(() => undefined);
      if (!again) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(again, `${ip} was never released`);
  });

  it('a claim no Service holds is taken over once it is an orphan', async () => {
    let clock = Date.now();
    const claims = datastoreClaims(backend, () => clock);
    assert.equal(await claims.claim('nodeports', 31999, 'default/crashed', false), true);
    assert.equal(await claims.claim('nodeports', 31999, 'default/other', false), false, 'a fresh claim is respected');
    clock += ORPHAN_AFTER_MS + 1;
    assert.equal(await claims.claim('nodeports', 31999, 'default/other', false), true);
    assert.equal(await claims.claim('nodeports', 31999, 'default/crashed', true), false, 'held by a Service this server sees');
  });
});

describe('a value another server claimed, then gave back', () => {
  it('is picked again by this server soon after, not only once the claim would be an orphan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-claims-back-'));
    const backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
    const base = { store: new ObjectStore(backend), registry };
    // A /30: two addresses, .1 and .2.
    const allocator = createServiceAllocator(base, { serviceCidr: '10.96.0.0/30', nodePortRange: { min: 30000, max: 30001 }, claims: datastoreClaims(backend) });
    await allocator.start();
    const ctx: ResourceContext = { ...base, admission: [allocator] };
    const d = registry.findByResource('', 'v1', 'services')!;
    try {
      // Another server is creating a Service with .1: its claim is in the datastore, its Service not yet.
      const first = 10 * 2 ** 24 + 96 * 2 ** 16 + 1;
      const claimKey = `/k3ts/claims/serviceips/${first}`;
      await backend.create(claimKey, JSON.stringify({ owner: 'default/elsewhere', at: Date.now() }));
      const a = await createObject(ctx, d, 'default', svc('a', { ports: [{ port: 80 }] }));
      assert.equal((a.spec as { clusterIP: string }).clusterIP, '10.96.0.2');
      await assert.rejects(createObject(ctx, d, 'default', svc('b', { ports: [{ port: 80 }] })), (err: unknown) => hasReason(err, 'Invalid'));
      // Its create failed: the claim goes back. This server hears nothing of that.
      await backend.delete(claimKey);
      let b: KObject | undefined;
      const started = Date.now();
      for (const until = Date.now() + 8000; !b && Date.now() < until; ) {
        b = await createObject(ctx, d, 'default', svc('b', { ports: [{ port: 80 }] })).catch(() => undefined);
        if (!b) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((b?.spec as { clusterIP?: string } | undefined)?.clusterIP, '10.96.0.1', 'the freed address is given out again');
      assert.ok(Date.now() - started < ORPHAN_AFTER_MS / 10, `within seconds (${Date.now() - started} ms)`);
    } finally {
      allocator.stop();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
