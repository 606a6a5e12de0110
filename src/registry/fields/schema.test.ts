// The tables themselves: closed, free of dead or doubled entries, lazily built, and fast to walk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptors } from '../index.js';
import { allSpecs, fieldsOf, rootKinds } from './schema.js';
import { parseFields, parseType, referencedTypes } from './types.js';
import { unknownFields } from './unknown-fields.js';

test('the compact syntax reads scalars, lists, maps and type names', () => {
  const f = parseFields('name image:string ports:[ContainerPort] limits:{quantity} nested:[{[int]}] raw:any');
  assert.deepEqual(Object.fromEntries(f), {
    name: 'string', image: 'string', ports: { list: { object: 'ContainerPort' } }, limits: { map: 'quantity' },
    nested: { list: { map: { list: 'int' } } }, raw: 'any',
  });
  assert.throws(() => parseType('strnig'), /cannot read type "strnig"/);
});

test('every referenced type is defined, every defined type is reachable from a served kind', () => {
  const seen = new Set<string>();
  const queue = rootKinds().map((r) => r.type);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const fields = fieldsOf(name);
    assert.ok(fields, `type ${name} is referenced but not defined`);
    for (const t of fields.values()) queue.push(...referencedTypes(t));
  }
  assert.deepEqual([...allSpecs().keys()].filter((n) => !seen.has(n)), [], 'unreachable table entries');
});

test('no table names a field twice', () => {
  for (const [name, spec] of allSpecs()) {
    const names = spec.split(/\s+/).filter(Boolean).map((e) => e.split(':')[0]);
    assert.equal(new Set(names).size, names.length, name);
  }
});

test('the tables cover exactly the served kinds and the bodies of subresources and deletes', () => {
  const served = [...descriptors.map((d) => `${d.group}/${d.kind}`), 'autoscaling/Scale', 'policy/Eviction', 'meta.k8s.io/DeleteOptions'].sort();
  assert.deepEqual(rootKinds().map((r) => `${r.group}/${r.kind}`).sort(), served);
});

test('walking a 10 KB Deployment takes well under 0.1 ms', (t) => {
  const container = (i: number) => ({
    name: `c${i}`, image: `registry.local/app/c${i}:1.0.${i}`, imagePullPolicy: 'IfNotPresent', args: ['--port', '8080', '--verbose'],
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    env: Array.from({ length: 6 }, (_, j) => ({ name: `VAR_${j}`, value: `value-${j}` })),
    resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5 },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'config', mountPath: '/etc/app', readOnly: true }],
  });
  const obj = JSON.parse(JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'big', namespace: 'default', labels: { app: 'big', tier: 'backend' }, annotations: { note: 'x'.repeat(200) } },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'big' } },
      template: {
        metadata: { labels: { app: 'big' } },
        spec: {
          containers: Array.from({ length: 11 }, (_, i) => container(i)),
          volumes: [{ name: 'data', emptyDir: {} }, { name: 'config', configMap: { name: 'cfg' } }],
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'big' } } }] } },
        },
      },
    },
  }));
  const bytes = JSON.stringify(obj).length;
  assert.ok(bytes >= 10_000 && bytes < 13_000, `fixture is ${bytes} bytes`);
  assert.deepEqual(unknownFields('apps', 'Deployment', obj), []);
  for (let i = 0; i < 2000; i++) unknownFields('apps', 'Deployment', obj);
  // The best of several batches, so a busy machine does not fail the test.
  let best = Infinity;
  for (let batch = 0; batch < 10; batch++) {
    const start = performance.now();
    for (let i = 0; i < 200; i++) unknownFields('apps', 'Deployment', obj);
    best = Math.min(best, (performance.now() - start) / 200);
  }
  assert.ok(best < 0.1, `one walk took ${(best * 1000).toFixed(1)} µs`);
  t.diagnostic(`walk of ${bytes} bytes: ${(best * 1000).toFixed(1)} µs`);
});
