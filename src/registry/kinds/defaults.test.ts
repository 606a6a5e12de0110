// What `kubectl get -o yaml` shows after the server filled in defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../index.js';
import type { KObject } from '../types.js';

function defaulted(obj: KObject): KObject {
  const [group, version] = obj.apiVersion!.includes('/') ? obj.apiVersion!.split('/') : ['', obj.apiVersion!];
  const d = findByKind(group!, version!, obj.kind!)!;
  const copy = structuredClone(obj);
  d.defaults?.(copy);
  assert.deepEqual(d.validate?.(copy, {}) ?? [], [], 'defaulted object validates');
  return copy;
}

const spec = (o: KObject) => o.spec as Record<string, any>;

test('imagePullPolicy: Always for latest or untagged, IfNotPresent when pinned', () => {
  const images: Array<[string, string]> = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['registry.local:5000/team/app', 'Always'],
    ['registry.local:5000/team/app:1.2', 'IfNotPresent'],
    ['nginx:1.27', 'IfNotPresent'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
  ];
  for (const [image, want] of images) {
    const pod = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image }] } });
    assert.equal(spec(pod).containers[0].imagePullPolicy, want, image);
  }
});

test('pod spec defaults', () => {
  const pod = defaulted({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }], env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] },
  });
  const s = spec(pod);
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  const c = s.containers[0];
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.resources, {});
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.equal((pod.status as any).phase, 'Pending');
});

test('deployment defaults', () => {
  const d = defaulted({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  const s = spec(d);
  assert.equal(s.replicas, 1);
  assert.deepEqual(s.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(s.revisionHistoryLimit, 10);
  assert.equal(s.progressDeadlineSeconds, 600);
  assert.equal(s.template.spec.restartPolicy, 'Always');
});

test('job defaults and generated selector', () => {
  const j = defaulted({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: 'uid-1' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'perl' }] } } },
  });
  const s = spec(j);
  assert.equal(s.parallelism, 1);
  assert.equal(s.completions, 1);
  assert.equal(s.backoffLimit, 6);
  assert.equal(s.completionMode, 'NonIndexed');
  assert.equal(s.suspend, false);
  assert.deepEqual(s.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } });
  assert.equal(s.template.metadata.labels['batch.kubernetes.io/job-name'], 'pi');
  assert.equal(s.template.metadata.labels['controller-uid'], 'uid-1');
});

test('job with parallelism only leaves completions unset', () => {
  const j = defaulted({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'w', namespace: 'default', uid: 'u' },
    spec: { parallelism: 3, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x' }] } } },
  });
  assert.equal(spec(j).completions, undefined);
});

test('service defaults', () => {
  const svc = defaulted({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' },
    spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ port: 80 }] },
  });
  const s = spec(svc);
  assert.equal(s.sessionAffinity, 'None');
  assert.deepEqual(s.ports[0], { port: 80, protocol: 'TCP', targetPort: 80 });
  assert.deepEqual(s.ipFamilies, ['IPv4']);
  assert.equal(s.ipFamilyPolicy, 'SingleStack');
  assert.equal(s.internalTrafficPolicy, 'Cluster');
  assert.equal(s.externalTrafficPolicy, 'Cluster');
  const plain = spec(defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 53, protocol: 'UDP' }] } }));
  assert.equal(plain.type, 'ClusterIP');
  assert.equal(plain.externalTrafficPolicy, undefined);
  const withExternalIPs = spec(defaulted({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' },
    spec: { externalIPs: ['192.0.2.10'], ports: [{ port: 80 }] },
  }));
  assert.equal(withExternalIPs.externalTrafficPolicy, 'Cluster');
});

test('secret stringData is folded into data and dropped', () => {
  const s = defaulted({
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' },
    data: { a: Buffer.from('old').toString('base64'), b: Buffer.from('keep').toString('base64') },
    stringData: { a: 'new', c: 'pässword' },
  });
  assert.equal(s.stringData, undefined);
  assert.equal(s.type, 'Opaque');
  const data = s.data as Record<string, string>;
  assert.deepEqual(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])), { a: 'new', b: 'keep', c: 'pässword' });
});

test('namespace defaults', () => {
  const ns = defaulted({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  assert.equal(ns.metadata.labels?.['kubernetes.io/metadata.name'], 'team-a');
  assert.deepEqual(spec(ns).finalizers, ['kubernetes']);
  assert.equal((ns.status as any).phase, 'Active');
});

test('daemonset and replicaset defaults', () => {
  const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  const ds = spec(defaulted({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'kube-system' }, spec: { selector: { matchLabels: { a: 'b' } }, template } }));
  assert.deepEqual(ds.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.revisionHistoryLimit, 10);
  const rs = spec(defaulted({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template } }));
  assert.equal(rs.replicas, 1);
});

test('QoS compares quantities by value: 1 CPU is 1000m and 1Gi is 1024Mi', () => {
  const pod = findByKind('', 'v1', 'Pod')!;
  const obj = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1024Mi' } } }] },
  } as unknown as KObject;
  pod.defaults!(obj);
  assert.equal((obj.status as { qosClass?: string }).qosClass, 'Guaranteed');
});
