import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchMetaFor } from '../../registry/patch-meta.js';
import type { ManagedFieldsEntry } from './server-side-apply.js';
import { diffFields, fieldManagerOf, recordUpdate } from './update-fields.js';

const meta = patchMetaFor('apps', 'Deployment');
const deploy = (replicas: number, image: string, labels: Record<string, string> = { app: 'web' }) => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u', resourceVersion: '7', labels },
  spec: { replicas, template: { spec: { containers: [{ name: 'c', image }] } } },
  status: { replicas: 1 },
});
const keys = (s: Set<string>) => [...s].map((k) => (JSON.parse(k) as string[]).join('/')).sort();
const at = (time: string) => ({ apiVersion: 'apps/v1', time });

describe('fields changed by an ordinary write', () => {
  it('a create owns every field it sets, never server-owned metadata', () => {
    const c = diffFields(undefined, deploy(1, 'nginx'), meta);
    assert.deepEqual(keys(c.changed), [
      'f:metadata/f:labels/f:app', 'f:spec/f:replicas', 'f:spec/f:template/f:spec/f:containers/k:{"name":"c"}/.',
      'f:spec/f:template/f:spec/f:containers/k:{"name":"c"}/f:image', 'f:spec/f:template/f:spec/f:containers/k:{"name":"c"}/f:name',
      'f:status/f:replicas',
    ]);
    assert.equal(c.removed.size, 0);
  });

  it('a create owns exactly what a write over an empty object would (nulls, empty maps, merge lists, metadata lists)', () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 'p', generateName: 'p-', namespace: 'default', uid: 'u', creationTimestamp: 't', generation: 1, managedFields: [], labels: { a: 'b' },
        annotations: {}, finalizers: ['x/y'], ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicaSet', name: 'rs', uid: 'r' }], deletionTimestamp: null,
      },
      spec: {
        nodeName: null, containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [] }], volumes: [], tolerations: [{ key: 'k' }],
        securityContext: {},
      },
      status: null,
    };
    const podMeta = patchMetaFor('', 'Pod');
    const created = diffFields(undefined, pod, podMeta);
    assert.deepEqual(keys(created.changed), keys(diffFields({}, pod, podMeta).changed));
    assert.ok(keys(created.changed).includes('f:metadata/f:ownerReferences/k:{"uid":"r"}/f:name'));
    assert.ok(!keys(created.changed).some((k) => /uid|generation|creationTimestamp|managedFields|deletionTimestamp|nodeName|status/.test(k) && !k.includes('k:{"uid"')));
  });

  it('an update names what it changed and removed, by list key', () => {
    const c = diffFields(deploy(1, 'nginx', { app: 'web', old: 'x' }), deploy(3, 'nginx:2'), meta);
    assert.deepEqual(keys(c.changed), ['f:spec/f:replicas', 'f:spec/f:template/f:spec/f:containers/k:{"name":"c"}/f:image']);
    assert.deepEqual(keys(c.removed), ['f:metadata/f:labels/f:old']);
  });
});

describe('recording an Update entry', () => {
  const created = recordUpdate([], diffFields(undefined, deploy(1, 'nginx'), meta), { manager: 'kubectl-create', ...at('2026-01-01T00:00:00Z') });

  it('a create leaves one Update entry for its manager', () => {
    assert.equal(created.length, 1);
    assert.deepEqual({ ...created[0], fieldsV1: undefined }, { manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: undefined });
  });

  it('a later writer takes over the fields it changes; the first keeps the rest', () => {
    const scaled = recordUpdate(created, diffFields(deploy(1, 'nginx'), deploy(3, 'nginx'), meta), { manager: 'kubectl-scale', subresource: 'scale', ...at('2026-01-01T00:01:00Z') });
    assert.deepEqual(scaled.map((e) => e.manager), ['kubectl-create', 'kubectl-scale']);
    assert.equal((scaled[0]!.fieldsV1 as { 'f:spec': Record<string, unknown> })['f:spec']['f:replicas'], undefined);
    assert.deepEqual(scaled[1]!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(scaled[1]!.subresource, 'scale');
  });

  it('a writer that changes nothing leaves the entries as they were', () => {
    const same = recordUpdate(created, diffFields(deploy(1, 'nginx'), deploy(1, 'nginx'), meta), { manager: 'kubectl-edit', ...at('2026-01-01T00:02:00Z') });
    assert.deepEqual(same, created);
  });

  it('the same manager writing again merges into its entry and moves its time', () => {
    const a = recordUpdate([], diffFields(deploy(1, 'nginx'), deploy(1, 'nginx', { app: 'web', a: '1' }), meta), { manager: 'kubectl-label', ...at('2026-01-01T00:00:00Z') });
    const b = recordUpdate(a, diffFields(deploy(1, 'nginx', { app: 'web', a: '1' }), deploy(1, 'nginx', { app: 'web', a: '1', b: '2' }), meta), { manager: 'kubectl-label', ...at('2026-01-01T00:05:00Z') });
    assert.equal(b.length, 1);
    assert.equal(b[0]!.time, '2026-01-01T00:05:00Z');
    assert.deepEqual(b[0]!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } } });
  });

  it('an entry left owning nothing goes; Apply entries sort first', () => {
    const entries: ManagedFieldsEntry[] = [
      { manager: 'old', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-01-02T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
    ];
    const out = recordUpdate(entries, diffFields(deploy(1, 'nginx'), deploy(2, 'nginx'), meta), { manager: 'new', ...at('2026-01-03T00:00:00Z') });
    assert.deepEqual(out.map((e) => `${e.operation}:${e.manager}`), ['Apply:kubectl', 'Update:new']);
  });

  it('keeps at most ten Update entries, folding the oldest into ancient-changes', () => {
    let entries: ManagedFieldsEntry[] = [];
    for (let i = 0; i < 12; i++) {
      const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, j) => [`l${j}`, 'x']));
      entries = recordUpdate(entries, diffFields(deploy(1, 'n', labels(i)), deploy(1, 'n', labels(i + 1)), meta), { manager: `m${String(i).padStart(2, '0')}`, ...at(`2026-01-01T00:${String(i).padStart(2, '0')}:00Z`) });
    }
    assert.equal(entries.length, 10);
    assert.equal(entries.filter((e) => e.manager === 'ancient-changes').length, 1);
    assert.ok(!entries.some((e) => e.manager === 'm00' || e.manager === 'm01'));
  });
});

describe('the manager of a request', () => {
  it('is ?fieldManager=, else the User-Agent up to its first slash', () => {
    assert.equal(fieldManagerOf(new URLSearchParams('fieldManager=mine'), 'kubectl/v1'), 'mine');
    assert.equal(fieldManagerOf(new URLSearchParams(''), 'kubectl-client-side-apply/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl-client-side-apply');
    assert.equal(fieldManagerOf(new URLSearchParams(''), undefined), '');
  });
});
