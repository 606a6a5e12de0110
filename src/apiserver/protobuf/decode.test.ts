import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import {
  ProtobufDecodeError,
  decodeKubernetesProtobuf,
} from './decode.js';
import { protobufjsDescriptor } from './schema.js';

// Bodies recorded from kubectl 1.32 on the wire; see test/fixtures/protobuf/captured.json.
// Found by walking up, so the test runs both from src/ (tsx) and compiled under dist/src/.
function findFixtureDir(): URL {
  for (let dir = new URL('./', import.meta.url); dir.pathname !== '/'; dir = new URL('../', dir)) {
    const candidate = new URL('test/fixtures/protobuf/', dir);
    if (existsSync(new URL('captured.json', candidate))) return candidate;
  }
  throw new Error('test/fixtures/protobuf not found above this test file');
}
const fixtureDir = findFixtureDir();
const fixture = (name: string) => readFileSync(new URL(`${name}.bin`, fixtureDir));
const captured = JSON.parse(readFileSync(new URL('captured.json', fixtureDir), 'utf8')) as {
  fixtures: Record<string, { path: string; command: string }>;
};
const decode = (name: string) => decodeKubernetesProtobuf(fixture(name)).object as any;
const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

test('every captured body decodes to the kind its URL path creates', () => {
  const kindOf: Record<string, string> = {
    namespaces: 'Namespace', configmaps: 'ConfigMap', secrets: 'Secret', services: 'Service',
    serviceaccounts: 'ServiceAccount', deployments: 'Deployment', jobs: 'Job', cronjobs: 'CronJob',
  };
  const names = Object.keys(captured.fixtures);
  assert.ok(names.length >= 15);
  for (const name of names) {
    const { path } = captured.fixtures[name];
    const { apiVersion, kind, object } = decodeKubernetesProtobuf(fixture(name));
    assert.equal(kind, kindOf[path.split('/').pop()!], name);
    assert.equal(apiVersion, path.startsWith('/api/v1') ? 'v1' : path.split('/').slice(2, 4).join('/'), name);
    assert.equal(object.kind, kind);
    assert.equal(object.apiVersion, apiVersion);
    assert.equal(typeof object.metadata.name, 'string', name);
  }
});

test('create namespace and serviceaccount carry only the name', () => {
  assert.deepEqual(decode('namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } });
  assert.deepEqual(decode('serviceaccount'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa1' } });
});

test('create configmap --from-literal gives data', () => {
  assert.deepEqual(decode('configmap'), {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { a: 'b', c: 'd' },
  });
});

test('create configmap --from-file puts non-UTF-8 files in binaryData as base64', () => {
  const cm = decode('configmap-binary');
  assert.deepEqual(cm.data, { 'hello.txt': 'hello\n' });
  assert.equal(Buffer.from(cm.binaryData.blob, 'base64').length, 64);
});

test('create secret generic: data values are base64, as in JSON', () => {
  const s = decode('secret-generic');
  assert.equal(b64(s.data.user), 'admin');
  assert.equal(b64(s.data.pass), 's3cr3t');
  assert.equal(s.type, undefined);
});

test('create secret docker-registry: .dockerconfigjson names the server and user', () => {
  const s = decode('secret-docker-registry');
  assert.equal(s.type, 'kubernetes.io/dockerconfigjson');
  const config = JSON.parse(b64(s.data['.dockerconfigjson']));
  const entry = config.auths['registry.example.com'];
  assert.equal(entry.username, 'bob');
  assert.equal(entry.password, 'hunter2');
  assert.equal(entry.email, 'bob@example.com');
  assert.equal(b64(entry.auth), 'bob:hunter2');
});

test('create secret tls: PEM certificate and key under tls.crt and tls.key', () => {
  const s = decode('secret-tls');
  assert.equal(s.type, 'kubernetes.io/tls');
  assert.match(b64(s.data['tls.crt']), /^-----BEGIN CERTIFICATE-----\n/);
  assert.match(b64(s.data['tls.key']), /^-----BEGIN PRIVATE KEY-----\n/);
});

test('create service clusterip and nodeport', () => {
  const cip = decode('service-clusterip');
  assert.deepEqual(cip.spec, {
    ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
    selector: { app: 'svc1' },
    type: 'ClusterIP',
  });
  assert.deepEqual(cip.metadata.labels, { app: 'svc1' });
  const np = decode('service-nodeport');
  assert.equal(np.spec.type, 'NodePort');
  assert.equal(np.spec.ports[0].nodePort, 30081);
  assert.equal(np.spec.ports[0].targetPort, 8080);
  assert.equal(np.spec.ports[0].port, 80);
});

test('create deployment --replicas=3 --port=80', () => {
  const d = decode('deployment');
  assert.deepEqual(d, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
      },
    },
  });
});

test('create deployment --replicas=0 keeps replicas: 0 and the namespace', () => {
  const d = decode('deployment-zero');
  assert.equal(d.spec.replicas, 0);
  assert.equal(d.metadata.namespace, 'ns1');
});

test('create deployment with two images and with a command', () => {
  assert.deepEqual(decode('deployment-multi').spec.template.spec.containers, [
    { name: 'busybox', image: 'busybox' },
    { name: 'nginx', image: 'nginx' },
  ]);
  assert.deepEqual(decode('deployment-command').spec.template.spec.containers, [
    { name: 'busybox', image: 'busybox', command: ['sleep', '10'] },
  ]);
});

test('create job: restartPolicy Never and the command', () => {
  const j = decode('job');
  assert.equal(j.apiVersion, 'batch/v1');
  assert.equal(j.spec.template.spec.restartPolicy, 'Never');
  assert.deepEqual(j.spec.template.spec.containers, [{ name: 'j', image: 'busybox', command: ['echo', 'hi'] }]);
  assert.equal(j.spec.template.metadata, undefined);
});

test('create cronjob: schedule and a job template with restartPolicy OnFailure', () => {
  const cj = decode('cronjob');
  assert.equal(cj.spec.schedule, '*/5 * * * *');
  assert.deepEqual(cj.spec.jobTemplate, {
    metadata: { name: 'cj' },
    spec: { template: { spec: { containers: [{ name: 'cj', image: 'busybox', command: ['date'] }], restartPolicy: 'OnFailure' } } },
  });
});

// Bodies for shapes kubectl's create commands do not produce, built with our own schema. They
// check the JSON conversion rules; the field numbers themselves are checked by the fixtures above.
const root = protobuf.Root.fromJSON(protobufjsDescriptor());
function body(apiVersion: string, kind: string, message: string, object: Record<string, unknown>, envelope: Record<string, unknown> = {}) {
  const raw = root.lookupType(`k3ts.${message}`).encode(object).finish();
  const unknown = root.lookupType('k3ts.Unknown').encode({ typeMeta: { apiVersion, kind }, raw, ...envelope }).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

test('pod features: pointers keep zero values, embedded structs flatten, special types render as in JSON', () => {
  const { object } = decodeKubernetesProtobuf(body('apps/v1', 'Deployment', 'Deployment', {
    metadata: {
      name: 'web', namespace: 'prod', generation: 4, creationTimestamp: { seconds: 1700000000 },
      annotations: { note: '' }, finalizers: ['x/y'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 't', uid: 'u1', controller: true }],
    },
    spec: {
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 0, intVal: 0 } } },
      paused: false,
      template: {
        spec: {
          terminationGracePeriodSeconds: 0,
          hostNetwork: false,
          nodeSelector: { disk: 'ssd' },
          volumes: [
            { name: 'scratch', volumeSource: { emptyDir: {} } },
            { name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'app-config' }, defaultMode: 420 } } },
            { name: 'sec', volumeSource: { secret: { secretName: 'creds', optional: false } } },
          ],
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } },
          initContainers: [{ name: 'init', image: 'busybox', args: ['true'] }],
          containers: [{
            name: 'app', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', workingDir: '/srv',
            env: [
              { name: 'PLAIN', value: 'v' },
              { name: 'EMPTY', value: '' },
              { name: 'FROM_CM', valueFrom: { configMapKeyRef: { localObjectReference: { name: 'app-config' }, key: 'k' } } },
              { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { localObjectReference: { name: 'creds' }, key: 'pw', optional: true } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
            ],
            resources: { limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } }, requests: { cpu: { string: '100m' } } },
            volumeMounts: [{ name: 'scratch', mountPath: '/tmp', readOnly: true }],
            readinessProbe: { handler: { httpGet: { path: '/healthz', port: { type: 1, strVal: 'http' } } }, periodSeconds: 5 },
            livenessProbe: { handler: { tcpSocket: { port: { type: 0, intVal: 8080 } } } },
          }],
        },
      },
    },
  }));
  const o = object as any;
  assert.deepEqual(o.metadata, {
    name: 'web', namespace: 'prod', generation: 4, creationTimestamp: '2023-11-14T22:13:20Z',
    annotations: { note: '' }, finalizers: ['x/y'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 't', uid: 'u1', controller: true }],
  });
  assert.equal(o.spec.replicas, undefined, 'absent pointer stays absent');
  assert.equal(o.spec.paused, undefined, 'non-pointer false is omitted');
  assert.deepEqual(o.spec.selector, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] });
  assert.deepEqual(o.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
  assert.equal(o.spec.template.metadata, undefined);
  const pod = o.spec.template.spec;
  assert.equal(pod.terminationGracePeriodSeconds, 0);
  assert.equal(pod.hostNetwork, undefined);
  assert.deepEqual(pod.nodeSelector, { disk: 'ssd' });
  assert.deepEqual(pod.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } },
    { name: 'sec', secret: { secretName: 'creds', optional: false } },
  ]);
  assert.deepEqual(pod.tolerations, [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.deepEqual(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions,
    [{ key: 'zone', operator: 'In', values: ['z1'] }]);
  assert.deepEqual(pod.initContainers, [{ name: 'init', image: 'busybox', args: ['true'] }]);
  const c = pod.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.workingDir, '/srv');
  assert.deepEqual(c.env, [
    { name: 'PLAIN', value: 'v' },
    { name: 'EMPTY' },
    { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'k' } } },
    { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'pw', optional: true } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
  ]);
  assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } });
  assert.deepEqual(c.volumeMounts, [{ name: 'scratch', mountPath: '/tmp', readOnly: true }]);
  assert.deepEqual(c.readinessProbe, { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 });
  assert.deepEqual(c.livenessProbe, { tcpSocket: { port: 8080 } });
});

test('job and secret pointer fields: backoffLimit 0, immutable false, stringData', () => {
  const job = decodeKubernetesProtobuf(body('batch/v1', 'Job', 'Job', {
    metadata: { name: 'j' },
    spec: { backoffLimit: 0, completions: 3, parallelism: 2, ttlSecondsAfterFinished: 60, activeDeadlineSeconds: 3600, template: { spec: { restartPolicy: 'OnFailure' } } },
  })).object as any;
  assert.deepEqual(job.spec, {
    parallelism: 2, completions: 3, activeDeadlineSeconds: 3600, backoffLimit: 0, ttlSecondsAfterFinished: 60,
    template: { spec: { restartPolicy: 'OnFailure' } },
  });
  const secret = decodeKubernetesProtobuf(body('v1', 'Secret', 'Secret', {
    metadata: { name: 's' }, immutable: false, stringData: { k: 'v' }, data: { bin: Buffer.from([0, 255]) },
  })).object as any;
  assert.equal(secret.immutable, false);
  assert.deepEqual(secret.stringData, { k: 'v' });
  assert.equal(secret.data.bin, 'AP8=');
});

test('a body with no object bytes still yields metadata: {}', () => {
  const { object } = decodeKubernetesProtobuf(body('v1', 'ConfigMap', 'ConfigMap', {}));
  assert.deepEqual(object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
});

function assertDecodeError(input: Buffer, code: 'BadRequest' | 'Unsupported', message?: RegExp) {
  assert.throws(() => decodeKubernetesProtobuf(input), (err: unknown) => {
    assert.ok(err instanceof ProtobufDecodeError, `expected ProtobufDecodeError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, code === 'BadRequest' ? 400 : 415);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('bad magic, empty and garbage bodies are BadRequest', () => {
  assertDecodeError(Buffer.alloc(0), 'BadRequest', /k8s/);
  assertDecodeError(Buffer.from('k8s'), 'BadRequest');
  assertDecodeError(Buffer.from('{"kind":"ConfigMap"}'), 'BadRequest');
  assertDecodeError(fixture('configmap').subarray(1), 'BadRequest');
  assertDecodeError(Buffer.from('k8s\0'), 'BadRequest', /apiVersion\/kind/);
  assertDecodeError(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0xff, 0xff, 0xff])]), 'BadRequest', /malformed/);
  assertDecodeError(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0f, 0x01])]), 'BadRequest', /malformed/);
});

test('a truncated body is BadRequest', () => {
  const full = fixture('deployment');
  assertDecodeError(full.subarray(0, full.length - 5), 'BadRequest', /malformed/);
  assertDecodeError(full.subarray(0, 12), 'BadRequest', /malformed/);
});

test('a kind we have no definition for is Unsupported (415) naming the kind', () => {
  assertDecodeError(body('storage.k8s.io/v1', 'StorageClass', 'ConfigMap', {}), 'Unsupported', /StorageClass/);
  assertDecodeError(body('v2', 'ConfigMap', 'ConfigMap', {}), 'Unsupported', /ConfigMap \(v2\)/);
  assertDecodeError(body('v1', 'ConfigMap', 'ConfigMap', {}, { contentEncoding: 'gzip' }), 'Unsupported', /gzip/);
});

test('cutting or corrupting real bodies never crashes: a result or a ProtobufDecodeError', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const name of Object.keys(captured.fixtures)) {
    const full = fixture(name);
    const variants: Buffer[] = [];
    for (let cut = 4; cut < full.length; cut += Math.max(1, Math.floor(full.length / 40))) variants.push(full.subarray(0, cut));
    for (let i = 0; i < 40; i++) {
      const copy = Buffer.from(full);
      copy[4 + Math.floor(random() * (copy.length - 4))] = Math.floor(random() * 256);
      variants.push(copy);
    }
    for (const v of variants) {
      try {
        decodeKubernetesProtobuf(v);
      } catch (err) {
        assert.ok(err instanceof ProtobufDecodeError, `${name}: ${String(err)}`);
      }
    }
  }
});

