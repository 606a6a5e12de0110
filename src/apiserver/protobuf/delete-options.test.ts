// Protobuf DeleteOptions (and the Eviction and Scale bodies typed clients send) decode to the JSON
// a JSON client would have sent, whatever group version the client put in TypeMeta.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { decodeKubernetesProtobuf } from './decode.js';
import { protobufjsDescriptor } from './schema.js';
import { parseDeleteOptions } from '../resources/delete-options.js';

const root = protobuf.Root.fromJSON(protobufjsDescriptor());
function body(apiVersion: string, kind: string, message: string, object: Record<string, unknown>): Buffer {
  const raw = root.lookupType(`k3ts.${message}`).encode(object).finish();
  const unknown = root.lookupType('k3ts.Unknown').encode({ typeMeta: { apiVersion, kind }, raw }).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

function fixture(name: string): Buffer {
  for (let dir = new URL('./', import.meta.url); dir.pathname !== '/'; dir = new URL('../', dir)) {
    const file = new URL(`test/fixtures/protobuf/${name}`, dir);
    if (existsSync(file)) return readFileSync(file);
  }
  throw new Error(`test/fixtures/protobuf/${name} not found`);
}

test('helm 3.17 deleting its release Secret: empty DeleteOptions in core v1', () => {
  // Recorded on the wire from `helm uninstall` (helm 3.17.2).
  const { object } = decodeKubernetesProtobuf(fixture('delete-options-helm.bin'));
  assert.deepEqual(object, { apiVersion: 'v1', kind: 'DeleteOptions' });
  assert.deepEqual(parseDeleteOptions(object), { dryRun: false });
});

test('every field, from any group version; a zero grace period survives as a pointer does', () => {
  for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1', 'batch/v1']) {
    const { object } = decodeKubernetesProtobuf(body(apiVersion, 'DeleteOptions', 'DeleteOptions', {
      gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'],
      preconditions: { uid: 'u-1', resourceVersion: '42' },
    }));
    assert.deepEqual(object, {
      apiVersion, kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', dryRun: ['All'],
      preconditions: { uid: 'u-1', resourceVersion: '42' },
    });
    assert.deepEqual(parseDeleteOptions(object), {
      dryRun: true, gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u-1', resourceVersion: '42' },
    });
  }
});

test('orphanDependents false is kept (a pointer) and read as a policy', () => {
  const { object } = decodeKubernetesProtobuf(body('v1', 'DeleteOptions', 'DeleteOptions', { orphanDependents: false }));
  assert.deepEqual(object, { apiVersion: 'v1', kind: 'DeleteOptions', orphanDependents: false });
  assert.equal(parseDeleteOptions(object).propagationPolicy, 'Background');
});

test('bad options fail the same checks as JSON ones', () => {
  const decoded = (o: Record<string, unknown>) => decodeKubernetesProtobuf(body('v1', 'DeleteOptions', 'DeleteOptions', o)).object;
  assert.throws(() => parseDeleteOptions(decoded({ gracePeriodSeconds: -1 })), /gracePeriodSeconds: Invalid value: -1/);
  assert.throws(() => parseDeleteOptions(decoded({ propagationPolicy: 'Sideways' })), /propagationPolicy: Unsupported value: "Sideways"/);
  assert.throws(() => parseDeleteOptions(decoded({ propagationPolicy: 'Orphan', orphanDependents: true })), /cannot be both set/);
  assert.throws(() => parseDeleteOptions(decoded({ dryRun: ['Some'] })), /dryRun: Unsupported value: "Some"/);
});

test('Eviction carries its DeleteOptions; Scale its replicas', () => {
  const eviction = decodeKubernetesProtobuf(body('policy/v1', 'Eviction', 'Eviction', {
    metadata: { name: 'p', namespace: 'ns' }, deleteOptions: { gracePeriodSeconds: 5 },
  })).object;
  assert.deepEqual(eviction, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'ns' }, deleteOptions: { gracePeriodSeconds: 5 } });
  const scale = decodeKubernetesProtobuf(body('autoscaling/v1', 'Scale', 'Scale', {
    metadata: { name: 'web', namespace: 'ns', resourceVersion: '7' }, spec: { replicas: 3 },
  })).object;
  assert.deepEqual(scale, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'ns', resourceVersion: '7' }, spec: { replicas: 3 } });
});
