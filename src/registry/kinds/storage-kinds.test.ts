// PersistentVolume, PersistentVolumeClaim, StorageClass and StatefulSet: defaults, the errors kubectl
// prints for them (upstream's wording), what may change after creation, and their table rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../index.js';
import type { KObject } from '../types.js';

const d = (group: string, kind: string) => findByKind(group, 'v1', kind)!;
function check(group: string, obj: KObject, old?: KObject): string[] {
  const desc = d(group, obj.kind!);
  const copy = structuredClone(obj);
  desc.defaults?.(copy);
  const prev = old ? structuredClone(old) : undefined;
  if (prev) desc.defaults?.(prev);
  return (desc.validate?.(copy, prev ? { old: prev } : {}) ?? []).map((e) => `${e.field}: ${e.message}`);
}
const now = new Date('2025-03-10T12:00:00Z');
const created = '2025-03-10T11:59:00Z';

const pvc = (spec: Record<string, unknown>, status?: Record<string, unknown>): KObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default', creationTimestamp: created }, spec: structuredClone(spec), ...(status ? { status } : {}),
});
const okClaim = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };

test('PersistentVolumeClaim: required fields and modes', () => {
  assert.deepEqual(check('', pvc({})), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  assert.deepEqual(check('', pvc({ ...okClaim, accessModes: ['ReadWriteSometimes'] })), [
    'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
  ]);
  assert.deepEqual(check('', pvc(okClaim)), []);
});

test('PersistentVolumeClaim: the spec is fixed after creation except a bound claim growing', () => {
  const old = pvc({ ...okClaim, storageClassName: 'local-path' }, { phase: 'Pending' });
  assert.deepEqual(check('', pvc({ ...okClaim, storageClassName: 'fast' }), old), ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']);
  // The binder's writes: volumeName once, and a class where none was given.
  assert.deepEqual(check('', pvc({ ...okClaim, storageClassName: 'local-path', volumeName: 'pv-1' }), old), []);
  assert.deepEqual(check('', pvc({ ...okClaim, storageClassName: 'local-path' }), pvc(okClaim)), []);
  const bound = pvc({ ...okClaim, volumeName: 'pv-1' }, { phase: 'Bound', capacity: { storage: '1Gi' } });
  assert.deepEqual(check('', pvc({ ...okClaim, volumeName: 'pv-1', resources: { requests: { storage: '2Gi' } } }), bound), []);
  const grown = pvc({ ...okClaim, volumeName: 'pv-1', resources: { requests: { storage: '2Gi' } } }, { phase: 'Bound', capacity: { storage: '1Gi' } });
  assert.deepEqual(check('', pvc({ ...okClaim, volumeName: 'pv-1', resources: { requests: { storage: '512Mi' } } }), grown), ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity']);
  // Growing an unbound claim is a spec change like any other.
  assert.deepEqual(check('', pvc({ ...okClaim, resources: { requests: { storage: '2Gi' } } }), pvc(okClaim, { phase: 'Pending' })), ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']);
});

test('PersistentVolumeClaim: defaults and table row', () => {
  const c = pvc(okClaim);
  d('', 'PersistentVolumeClaim').defaults!(c);
  assert.equal((c.spec as { volumeMode: string }).volumeMode, 'Filesystem');
  assert.deepEqual(c.status, { phase: 'Pending' });
  const t = d('', 'PersistentVolumeClaim').table!;
  assert.deepEqual(t.columns.map((col) => col.name), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
  const bound = pvc({ ...okClaim, volumeName: 'pv-1', storageClassName: 'local-path', volumeMode: 'Filesystem' }, { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] });
  assert.deepEqual(t.cells(bound, now), ['data', 'Bound', 'pv-1', '1Gi', 'RWO,ROX', 'local-path', '<unset>', '60s', 'Filesystem']);
  assert.deepEqual(t.cells(pvc(okClaim, { phase: 'Pending' }), now), ['data', 'Pending', '', '', '', '', '<unset>', '60s', '<unset>']);
});

const pv = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1', creationTimestamp: created }, spec });

test('PersistentVolume: a source, capacity and modes are required; local needs node affinity', () => {
  assert.deepEqual(check('', pv({})), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.capacity: Required value', 'spec: Required value: must specify a volume type']);
  const base = { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] };
  assert.deepEqual(check('', pv({ ...base, local: { path: '/mnt/a' } })), ['spec.nodeAffinity: Required value: Local volume requires node affinity']);
  assert.deepEqual(check('', pv({ ...base, hostPath: { path: '/a' }, nfs: { server: 'x', path: '/' } })), ['spec.nfs: Forbidden: may not specify more than 1 volume type']);
  assert.deepEqual(check('', pv({ ...base, hostPath: { path: '/a' }, persistentVolumeReclaimPolicy: 'Keep' })), ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"']);
  const t = d('', 'PersistentVolume').table!;
  const row = pv({ ...base, hostPath: { path: '/a' }, persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path', claimRef: { namespace: 'default', name: 'data' }, volumeMode: 'Filesystem' });
  row.status = { phase: 'Bound' };
  assert.deepEqual(t.cells(row, now), ['pv-1', '1Gi', 'RWO', 'Delete', 'Bound', 'default/data', 'local-path', '<unset>', '', '60s', 'Filesystem']);
});

const sc = (extra: Record<string, unknown>): KObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast', creationTimestamp: created }, ...extra });

test('StorageClass: defaults, provisioner required, parameters and policy fixed', () => {
  assert.deepEqual(check('storage.k8s.io', sc({})), ['provisioner: Required value']);
  const c = sc({ provisioner: 'example.com/disk' });
  d('storage.k8s.io', 'StorageClass').defaults!(c);
  assert.equal(c.reclaimPolicy, 'Delete');
  assert.equal(c.volumeBindingMode, 'Immediate');
  assert.deepEqual(check('storage.k8s.io', sc({ provisioner: 'example.com/disk', parameters: { a: '2' }, reclaimPolicy: 'Retain' }), sc({ provisioner: 'example.com/disk', parameters: { a: '1' } })), [
    'parameters: Forbidden: updates to parameters are forbidden.',
    'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
  ]);
  const t = d('storage.k8s.io', 'StorageClass').table!;
  const dflt = { ...c, metadata: { ...c.metadata, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } };
  assert.deepEqual(t.cells(dflt, now), ['fast (default)', 'example.com/disk', 'Delete', 'Immediate', 'false', '60s']);
});

const sts = (spec: Record<string, unknown>): KObject => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', creationTimestamp: created },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: okClaim }],
    ...spec,
  },
});

test('StatefulSet: defaults, claim templates mountable, policies checked, most of the spec fixed', () => {
  const s = sts({});
  d('apps', 'StatefulSet').defaults!(s);
  const spec = s.spec as Record<string, any>;
  assert.equal(spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  assert.deepEqual(check('apps', sts({})), []);
  assert.deepEqual(check('apps', sts({ podManagementPolicy: 'Random', updateStrategy: { type: 'Sometimes' } })), [
    "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    "spec.updateStrategy: Invalid value: \"Sometimes\": must be 'RollingUpdate' or 'OnDelete'",
  ]);
  assert.deepEqual(check('apps', sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] })), [
    'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required',
    'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value',
  ]);
  assert.deepEqual(check('apps', sts({ replicas: 5, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }), sts({})), []);
  assert.deepEqual(check('apps', sts({ serviceName: 'other' }), sts({})), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  const t = d('apps', 'StatefulSet').table!;
  assert.deepEqual(t.cells({ ...sts({ replicas: 3 }), status: { readyReplicas: 2 } }, now), ['web', '2/3', '60s', 'c', 'nginx']);
});
