// Defaults, validation wording and table cells of the quota, ingress, class and
// ReplicationController kinds, as kube-apiserver answers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../index.js';
import type { KObject } from '../types.js';

const messages = (group: string, kind: string, obj: KObject, old?: KObject) => {
  const d = findByKind(group, 'v1', kind)!;
  d.defaults?.(obj);
  return d.validate!(obj, { old }).map((e) => `${e.field}: ${e.message}`);
};
const now = new Date('2026-01-01T00:01:00Z');
const meta = (name: string, ns?: string) => ({ name, ...(ns ? { namespace: ns } : {}), creationTimestamp: '2026-01-01T00:00:00Z' });

test('ResourceQuota: whole counts, known scopes, and used/hard per column', () => {
  const bad: KObject = { metadata: meta('q', 'ns'), spec: { hard: { pods: '1.5', 'requests.cpu': '-1', configmaps: 'lots' }, scopes: ['Sometimes'] } };
  const errs = messages('', 'ResourceQuota', bad);
  assert.ok(errs.includes('spec.hard[pods]: Invalid value: "1.5": must be an integer'), errs.join('\n'));
  assert.ok(errs.includes('spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0'), errs.join('\n'));
  assert.ok(errs.some((e) => e.startsWith('spec.hard[configmaps]: Invalid value: "lots": quantities must match')), errs.join('\n'));
  assert.ok(errs.some((e) => e.startsWith('spec.scopes[0]: Unsupported value: "Sometimes"')), errs.join('\n'));
  const be = messages('', 'ResourceQuota', { metadata: meta('q', 'ns'), spec: { hard: { 'requests.cpu': '1' }, scopes: ['BestEffort'] } });
  assert.deepEqual(be, ['spec.hard: Invalid value: "requests.cpu": unsupported scope applied to resource']);
  const d = findByKind('', 'v1', 'ResourceQuota')!;
  const q: KObject = { metadata: meta('q', 'ns'), spec: {}, status: { hard: { pods: '2', 'limits.cpu': '2', 'requests.memory': '1Gi' }, used: { pods: '1', 'limits.cpu': '500m', 'requests.memory': '256Mi' } } };
  assert.deepEqual(d.table!.cells(q, now), ['q', '60s', 'pods: 1/2, requests.memory: 256Mi/1Gi', 'limits.cpu: 500m/2']);
});

test('Ingress: backends, paths and hosts in upstream words; table cells', () => {
  const ing = (spec: Record<string, unknown>): KObject => ({ metadata: meta('web', 'ns'), spec });
  assert.deepEqual(messages('networking.k8s.io', 'Ingress', ing({})), ['spec.rules: Invalid value: []: either `defaultBackend` or `rules` must be specified']);
  const errs = messages('networking.k8s.io', 'Ingress', ing({
    rules: [{ host: '*.example.com', http: { paths: [
      { path: '/a//b', pathType: 'Prefix', backend: { service: { name: 'web' } } },
      { path: '/x', backend: { service: { name: 'web', port: { number: 80, name: 'http' } } } },
    ] } }, { host: 'bad*.example.com', http: { paths: [] } }],
  }));
  assert.deepEqual(errs, [
    "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'",
    'spec.rules[0].http.paths[0].backend.service.port: Invalid value: "": port name or number is required',
    'spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified',
    'spec.rules[0].http.paths[1].backend.service.port: Invalid value: "": cannot set both port name & port number',
    `spec.rules[1].host: Invalid value: "bad*.example.com": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    'spec.rules[1].http.paths: Required value',
  ]);
  const d = findByKind('networking.k8s.io', 'v1', 'Ingress')!;
  const ok = ing({ ingressClassName: 'traefik', tls: [{ hosts: ['a.example.com'] }], rules: ['a', 'b', 'c', 'd'].map((h) => ({ host: `${h}.example.com` })) });
  (ok as Record<string, unknown>).status = { loadBalancer: { ingress: [{ ip: '10.0.0.1' }, { hostname: 'lb.example.com' }] } };
  assert.deepEqual(d.table!.cells(ok, now), ['web', 'traefik', 'a.example.com,b.example.com,c.example.com + 1 more...', '10.0.0.1,lb.example.com', '80, 443', '60s']);
});

test('IngressClass, PriorityClass and RuntimeClass: required fields, reserved names, immutability', () => {
  assert.deepEqual(messages('networking.k8s.io', 'IngressClass', { metadata: meta('c'), spec: {} }), ['spec.controller: Required value']);
  const ic: KObject = { metadata: meta('c'), spec: { controller: 'example.com/a', parameters: { kind: 'Params', name: 'p', apiGroup: 'example.com' } } };
  assert.deepEqual(messages('networking.k8s.io', 'IngressClass', ic), []);
  assert.deepEqual(findByKind('networking.k8s.io', 'v1', 'IngressClass')!.table!.cells(ic, now), ['c', 'example.com/a', 'Params.example.com/p', '60s']);
  assert.deepEqual(messages('networking.k8s.io', 'IngressClass', { metadata: meta('c'), spec: { controller: 'example.com/b' } }, ic), ['spec.controller: Invalid value: "example.com/b": field is immutable']);
  assert.deepEqual(messages('scheduling.k8s.io', 'PriorityClass', { metadata: meta('system-mine'), value: 5 }), ["metadata.name: Invalid value: \"system-mine\": priority class names with 'system-' prefix are reserved"]);
  assert.deepEqual(messages('scheduling.k8s.io', 'PriorityClass', { metadata: meta('huge'), value: 2_000_000_000 }), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  const pc: KObject = { metadata: meta('p'), value: 5 };
  assert.deepEqual(messages('scheduling.k8s.io', 'PriorityClass', pc), []);
  assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
  assert.deepEqual(messages('scheduling.k8s.io', 'PriorityClass', { metadata: meta('p'), value: 6, preemptionPolicy: 'PreemptLowerPriority' }, pc), ['value: Forbidden: may not be changed in an update.']);
  assert.deepEqual(messages('scheduling.k8s.io', 'PriorityClass', { metadata: meta('system-node-critical'), value: 2_000_001_000 }), []);
  assert.deepEqual(messages('node.k8s.io', 'RuntimeClass', { metadata: meta('r') }), ['handler: Required value']);
  assert.deepEqual(messages('node.k8s.io', 'RuntimeClass', { metadata: meta('r'), handler: 'Run_C' }).length, 1);
});

test('ReplicationController: selector and labels default from the template; the table', () => {
  const rc: KObject = { metadata: meta('web', 'ns'), spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
  assert.deepEqual(messages('', 'ReplicationController', rc), []);
  assert.deepEqual([(rc.spec as Record<string, unknown>).replicas, (rc.spec as Record<string, unknown>).selector, rc.metadata.labels], [1, { app: 'web' }, { app: 'web' }]);
  const mismatch: KObject = { metadata: meta('web', 'ns'), spec: { selector: { app: 'other' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
  assert.deepEqual(messages('', 'ReplicationController', mismatch), ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']);
  rc.status = { replicas: 1, readyReplicas: 1 };
  assert.deepEqual(findByKind('', 'v1', 'ReplicationController')!.table!.cells(rc, now), ['web', 1, 1, 1, '60s', 'c', 'nginx', 'app=web']);
});
