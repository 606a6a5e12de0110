import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { defaultTable, tables } from './index.js';

const now = new Date('2025-03-10T12:00:00Z');
const created = '2025-03-07T12:00:00Z'; // 3d
const meta = (name: string, extra: object = {}) => ({ name, namespace: 'default', creationTimestamp: created, ...extra });
const obj = (o: Omit<KObject, 'metadata'> & { metadata: object }): KObject => o as KObject;
const row = (key: string, o: KObject) => tables[key]!.cells(o, now);

test('every table has cells for each column', () => {
  const empty = obj({ metadata: meta('x') });
  for (const [key, t] of Object.entries(tables)) {
    assert.equal(t.cells(empty, now).length, t.columns.length, key);
    assert.equal(t.columns.filter((c) => c.format === 'name').length, 1, key);
  }
});

test('a NotReady cordoned node with two roles', () => {
  const node = obj({
    kind: 'Node',
    metadata: meta('node-a', { namespace: undefined, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/etcd': 'true', 'kubernetes.io/hostname': 'node-a' } }),
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'False' }],
      addresses: [{ type: 'Hostname', address: 'node-a' }, { type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: { kubeletVersion: 'v1.32.4+k3ts', osImage: 'Ubuntu 24.04 LTS', kernelVersion: '6.8.0-45-generic', containerRuntimeVersion: '' },
    },
  });
  assert.deepEqual(row('Node', node), [
    'node-a', 'NotReady,SchedulingDisabled', 'control-plane,etcd', '3d', 'v1.32.4+k3ts',
    '192.168.1.10', '<none>', 'Ubuntu 24.04 LTS', '6.8.0-45-generic', '<unknown>',
  ]);
  const bare = obj({ metadata: meta('node-b', { labels: { 'kubernetes.io/role': 'worker' } }) });
  assert.deepEqual(row('Node', bare).slice(1, 3), ['Unknown', 'worker']);
  assert.equal(row('Node', obj({ metadata: meta('n') }))[2], '<none>');
});

test('services: NodePort ports, LoadBalancer addresses, ExternalName, headless', () => {
  const np = obj({
    metadata: meta('web'),
    spec: { type: 'NodePort', clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'], selector: { app: 'web', tier: 'fe' },
      ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] },
  });
  assert.deepEqual(row('Service', np), ['web', 'NodePort', '10.43.0.20', '<none>', '80:30080/TCP,53/UDP', '3d', 'app=web,tier=fe']);
  const lb = obj({
    metadata: meta('lb'),
    spec: { type: 'LoadBalancer', clusterIPs: ['10.43.0.21'], externalIPs: ['1.2.3.4'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] },
    status: { loadBalancer: { ingress: [{ ip: '192.168.1.240' }, { hostname: 'lb.example.com' }] } },
  });
  assert.deepEqual(row('Service', lb).slice(1, 5), ['LoadBalancer', '10.43.0.21', '192.168.1.240,lb.example.com,1.2.3.4', '443:31443/TCP']);
  const pending = obj({ metadata: meta('p'), spec: { type: 'LoadBalancer', clusterIPs: ['10.43.0.22'] } });
  assert.deepEqual(row('Service', pending).slice(3, 5), ['<pending>', '<none>']);
  const ext = obj({ metadata: meta('db'), spec: { type: 'ExternalName', externalName: 'db.example.com' } });
  assert.deepEqual(row('Service', ext).slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
  const headless = obj({ metadata: meta('h'), spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432, protocol: 'TCP' }] } });
  assert.deepEqual(row('Service', headless).slice(1, 7), ['ClusterIP', 'None', '<none>', '5432/TCP', '3d', '<none>']);
});

test('endpoints list three addresses then a count', () => {
  const addresses = [1, 2, 3, 4, 5].map((i) => ({ ip: `10.42.0.${i}` }));
  const ep = obj({ metadata: meta('web'), subsets: [{ addresses, notReadyAddresses: [{ ip: '10.42.0.9' }], ports: [{ port: 8080, protocol: 'TCP' }] }] });
  assert.deepEqual(row('Endpoints', ep), ['web', '10.42.0.1:8080,10.42.0.2:8080,10.42.0.3:8080 + 2 more...', '3d']);
  assert.equal(row('Endpoints', obj({ metadata: meta('none') }))[1], '<none>');
  const v6 = obj({ metadata: meta('v6'), subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }, { port: 443 }] }] });
  assert.equal(row('Endpoints', v6)[1], '[fd00::1]:80,[fd00::1]:443');
  const bare = obj({ metadata: meta('bare'), subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] });
  assert.equal(row('Endpoints', bare)[1], '10.0.0.1');
});

test('endpoint slices', () => {
  const s = obj({
    metadata: meta('web-abc12'), addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.42.0.1'] }, { addresses: ['10.42.0.2'] }, { addresses: ['10.42.0.3'] }, { addresses: ['10.42.0.4'] }],
  });
  assert.deepEqual(row('EndpointSlice.discovery.k8s.io', s), ['web-abc12', 'IPv4', '80', '10.42.0.1,10.42.0.2,10.42.0.3 + 1 more...', '3d']);
  assert.deepEqual(row('EndpointSlice.discovery.k8s.io', obj({ metadata: meta('e'), addressType: 'IPv6' })).slice(1, 4), ['IPv6', '<unset>', '<unset>']);
});

const template = { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };

test('deployments, replicasets, daemonsets', () => {
  const d = obj({
    metadata: meta('web'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, template },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  });
  assert.deepEqual(row('Deployment.apps', d), ['web', '2/3', 3, 2, '3d', 'web,log', 'nginx:1.27,busybox', 'app=web,env in (dev,prod)']);
  const rs = obj({ metadata: meta('web-5d8f'), spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 3, readyReplicas: 1 } });
  assert.deepEqual(row('ReplicaSet.apps', rs), ['web-5d8f', 3, 3, 1, '3d', 'web,log', 'nginx:1.27,busybox', 'app=web']);
  const ds = obj({
    metadata: meta('agent'),
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'agent:1' }] } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
  });
  assert.deepEqual(row('DaemonSet.apps', ds), ['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '3d', 'a', 'agent:1', 'app=agent']);
  assert.equal(row('DaemonSet.apps', obj({ metadata: meta('x') }))[6], '<none>');
});

test('selector column: <none> when nil or empty, <error> when it cannot be compiled', () => {
  const selectorOf = (selector: unknown) => row('ReplicaSet.apps', obj({ metadata: meta('rs'), spec: { selector, template } }))[7];
  assert.equal(selectorOf(undefined), '<none>');
  assert.equal(selectorOf({}), '<none>');
  assert.equal(selectorOf({ matchExpressions: [{ key: 'tier', operator: 'Exists' }, { key: 'app', operator: 'NotIn', values: ['b', 'a'] }] }), 'app notin (a,b),tier');
  assert.equal(selectorOf({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }), '<error>');
  assert.equal(selectorOf({ matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }), '<error>');
});

test('jobs: status, completions and duration', () => {
  const spec = { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } }, template };
  const done = obj({
    metadata: meta('pi'), spec: { ...spec, completions: 1, parallelism: 1 },
    status: { succeeded: 1, startTime: '2025-03-07T12:00:00Z', completionTime: '2025-03-07T12:00:42Z', conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] },
  });
  assert.deepEqual(row('Job.batch', done), ['pi', 'Complete', '1/1', '42s', '3d', 'web,log', 'nginx:1.27,busybox', 'batch.kubernetes.io/controller-uid=abc']);
  const queue = obj({ metadata: meta('q'), spec: { ...spec, parallelism: 3 }, status: { succeeded: 0, startTime: '2025-03-10T11:55:00Z' } });
  assert.deepEqual(row('Job.batch', queue).slice(1, 4), ['Running', '0/1 of 3', '5m']);
  const failed = obj({ metadata: meta('f'), spec: { ...spec, completions: 5 }, status: { succeeded: 2, conditions: [{ type: 'Failed', status: 'True' }] } });
  assert.deepEqual(row('Job.batch', failed).slice(1, 4), ['Failed', '2/5', '']);
  const suspended = obj({ metadata: meta('s'), spec: { ...spec, completions: 1, suspend: true }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } });
  assert.equal(row('Job.batch', suspended)[1], 'Suspended');
  const deleting = obj({ metadata: meta('d', { deletionTimestamp: created }), spec, status: {} });
  assert.deepEqual(row('Job.batch', deleting).slice(1, 3), ['Terminating', '0/1']);
});

test('namespaces, configmaps, secrets, service accounts, leases', () => {
  assert.deepEqual(row('Namespace', obj({ metadata: meta('kube-system'), status: { phase: 'Active' } })), ['kube-system', 'Active', '3d']);
  assert.deepEqual(row('ConfigMap', obj({ metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })), ['cfg', 3, '3d']);
  assert.deepEqual(row('Secret', obj({ metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } })), ['tls', 'kubernetes.io/tls', 2, '3d']);
  assert.deepEqual(row('ServiceAccount', obj({ metadata: meta('default') })), ['default', 0, '3d']);
  assert.deepEqual(row('Lease.coordination.k8s.io', obj({ metadata: meta('kube-scheduler'), spec: { holderIdentity: 'server-1_abc' } })), ['kube-scheduler', 'server-1_abc', '3d']);
});

test('core events: interleaved wide columns', () => {
  assert.deepEqual(tables.Event!.columns.map((c) => `${c.name}:${c.priority}`), [
    'Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1',
  ]);
  const ev = obj({
    metadata: meta('web-1.17f'),
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{web}' },
    reason: 'BackOff', message: 'Back-off restarting failed container\n', type: 'Warning',
    source: { component: 'kubelet', host: 'node-a' },
    firstTimestamp: '2025-03-10T11:00:00Z', lastTimestamp: '2025-03-10T11:58:00Z', count: 12,
  });
  assert.deepEqual(row('Event', ev), ['2m', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{web}', 'kubelet, node-a', 'Back-off restarting failed container', '60m', 12, 'web-1.17f']);
});

test('events.k8s.io events print like their core equivalents', () => {
  const ev = obj({
    metadata: meta('web.1'),
    eventTime: '2025-03-10T11:59:30.000000Z', reportingController: 'deployment-controller', reportingInstance: '',
    regarding: { kind: 'Deployment', name: 'web' }, reason: 'ScalingReplicaSet', note: 'Scaled up replica set web-5d8f to 3', type: 'Normal', action: 'Scale',
  });
  assert.deepEqual(row('Event.events.k8s.io', ev), ['30s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-5d8f to 3', '30s', 1, 'web.1']);
  const series = obj({ ...ev, series: { count: 4, lastObservedTime: '2025-03-10T11:59:50.000000Z' } });
  assert.deepEqual([row('Event.events.k8s.io', series)[0], row('Event.events.k8s.io', series)[8]], ['10s', 4]);
});

test('default table: name and RFC 3339 creation date', () => {
  assert.deepEqual(defaultTable.columns.map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
  assert.deepEqual(defaultTable.cells(obj({ metadata: meta('x', { creationTimestamp: '2025-03-07T12:00:00.250Z' }) }), now), ['x', '2025-03-07T12:00:00Z']);
  assert.deepEqual(defaultTable.cells(obj({ metadata: { name: 'y' } }), now), ['y', '0001-01-01T00:00:00Z']);
});
