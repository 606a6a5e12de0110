import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../registry/types.js';
import type { Backend } from './backends.js';
import { planSlices, toSliceEndpoint } from './plan.js';

const backend = (i: number, port = 80): Backend => ({
  pod: { metadata: { name: `p${i}`, namespace: 'default', uid: `uid-${i}` } },
  ip: `10.42.${Math.floor(i / 250)}.${(i % 250) + 1}`,
  ports: [{ name: '', port, protocol: 'TCP' }],
  ready: true,
  serving: true,
  terminating: false,
});
const range = (from: number, to: number, port = 80) => Array.from({ length: to - from }, (_, k) => backend(from + k, port));

/** Existing slices as the server would return them after applying a plan's creates. */
const stored = (plan: ReturnType<typeof planSlices>): KObject[] =>
  plan.create.map((c, i) => ({ metadata: { name: `svc-${String.fromCharCode(97 + i)}` }, addressType: 'IPv4', endpoints: c.endpoints, ...(c.ports.length ? { ports: c.ports } : {}) }));

describe('planSlices', () => {
  it('splits 250 endpoints into slices of at most 100', () => {
    const plan = planSlices(range(0, 250), []);
    assert.deepEqual(plan.create.map((c) => c.endpoints.length), [100, 100, 50]);
    assert.deepEqual(plan.create[0]!.ports, [{ name: '', port: 80, protocol: 'TCP' }]);
  });

  it('keeps unchanged slices untouched', () => {
    const existing = stored(planSlices(range(0, 250), []));
    const plan = planSlices(range(0, 250), existing);
    assert.equal(plan.keep.length, 3);
    assert.equal(plan.update.length + plan.create.length + plan.delete.length, 0);
  });

  it('puts a new endpoint into free room and changes only the slices concerned', () => {
    const existing = stored(planSlices(range(0, 250), []));
    // p3 goes (slice a), p250 and p251 arrive: a and c take them, b stays as it is.
    const next = [...range(0, 3), ...range(4, 252)];
    const plan = planSlices(next, existing);
    assert.equal(plan.create.length, 0);
    assert.deepEqual(plan.keep.map((s) => s.metadata.name), ['svc-b']);
    assert.deepEqual(plan.update.map((u) => [u.slice.metadata.name, u.endpoints.length]), [['svc-a', 100], ['svc-c', 51]]);
    const a = plan.update[0]!.endpoints.map((e) => e.targetRef.name);
    assert.ok(!a.includes('p3') && a.includes('p250'));
  });

  it('deletes a slice left empty, and keeps one empty placeholder when nothing is left', () => {
    const existing = stored(planSlices(range(0, 150), []));
    const fewer = planSlices(range(0, 100), existing);
    assert.deepEqual(fewer.delete.map((s) => s.metadata.name), ['svc-b']);
    const none = planSlices([], existing);
    assert.deepEqual(none.update.map((u) => [u.slice.metadata.name, u.endpoints.length, u.ports.length]), [['svc-a', 0, 0]]);
    assert.deepEqual(none.delete.map((s) => s.metadata.name), ['svc-b']);
    assert.deepEqual(planSlices([], []).create, [{ ports: [], endpoints: [] }]);
  });

  it('moves endpoints whose port changed to a slice for the new port set', () => {
    const existing = stored(planSlices(range(0, 2), []));
    const plan = planSlices(range(0, 2, 8080), existing);
    assert.deepEqual(plan.create.map((c) => c.ports[0]!.port), [8080]);
    assert.deepEqual(plan.delete.map((s) => s.metadata.name), ['svc-a']);
  });

  it('carries the endpoint facts upstream publishes', () => {
    const b = { ...backend(1), nodeName: 'n1', hostname: 'h', ready: false, serving: true, terminating: true };
    assert.deepEqual(toSliceEndpoint(b), {
      addresses: ['10.42.0.2'],
      conditions: { ready: false, serving: true, terminating: true },
      hostname: 'h',
      nodeName: 'n1',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'p1', uid: 'uid-1' },
    });
  });
});
