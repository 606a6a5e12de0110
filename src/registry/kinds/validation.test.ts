// What kubectl would print (`<field>: <message>`) for objects users really get wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../index.js';
import type { KObject, ResourceDescriptor } from '../types.js';

function descriptor(apiVersion: string, kind: string): ResourceDescriptor {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const d = findByKind(group!, version!, kind);
  assert.ok(d, `${apiVersion} ${kind} is registered`);
  return d;
}

/** Runs defaults then validation as the API server does, and renders errors like kubectl. */
function check(obj: KObject, old?: KObject): string[] {
  const d = descriptor(obj.apiVersion!, obj.kind!);
  const copy = structuredClone(obj);
  d.defaults?.(copy);
  return (d.validate?.(copy, old ? { old } : {}) ?? []).map((e) => `${e.field}: ${e.message}`);
}

function defaulted(obj: KObject): KObject {
  const copy = structuredClone(obj);
  descriptor(obj.apiVersion!, obj.kind!).defaults?.(copy);
  return copy;
}

const pod = (spec: Record<string, unknown>, name = 'web'): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec,
});

const deployment = (spec: Record<string, unknown>): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
    ...spec,
  },
});

const service = (spec: Record<string, unknown>, name = 'web'): KObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
});

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const cases: Array<{ name: string; obj: KObject; old?: KObject; want: string[] }> = [
  {
    name: 'pod with an upper-case name',
    obj: pod({ containers: [{ name: 'c', image: 'nginx' }] }, 'Web_1'),
    want: [`metadata.name: Invalid value: "Web_1": ${SUBDOMAIN_MSG}`],
  },
  {
    name: 'pod without a name',
    obj: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    want: ['metadata.name: Required value: name or generateName is required'],
  },
  {
    name: 'pod without containers',
    obj: pod({ containers: [] }),
    want: ['spec.containers: Required value'],
  },
  {
    name: 'pod container without an image',
    obj: pod({ containers: [{ name: 'c' }] }),
    want: ['spec.containers[0].image: Required value'],
  },
  {
    name: 'pod with two containers of the same name and a bad name',
    obj: pod({ containers: [{ name: 'app', image: 'a' }, { name: 'app', image: 'b' }, { name: 'Side_Car', image: 'c' }] }),
    want: [
      'spec.containers[1].name: Duplicate value: "app"',
      `spec.containers[2].name: Invalid value: "Side_Car": ${LABEL_MSG}`,
    ],
  },
  {
    name: 'pod with a container port out of range and a bad protocol',
    obj: pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000, protocol: 'HTTP' }] }] }),
    want: [
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ],
  },
  {
    name: 'pod with a bad restartPolicy',
    obj: pod({ restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x' }] }),
    want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
  },
  {
    name: 'pod requesting more than its limit and an unparsable quantity',
    obj: pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '500m', memory: 'lots' } } }] }),
    want: [
      "spec.containers[0].resources.limits[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 500m',
    ],
  },
  {
    name: 'pod with a bad env var name',
    obj: pod({ containers: [{ name: 'c', image: 'x', env: [{ name: '1BAD', value: 'v' }] }] }),
    want: [
      "spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
    ],
  },
  {
    name: 'pod with an image pull secret without a name (accepted, upstream only warns)',
    obj: pod({ imagePullSecrets: [{}], containers: [{ name: 'c', image: 'x' }] }),
    want: [],
  },
  {
    name: 'pod whose init container reuses a container name, with errors in both lists',
    obj: pod({ initContainers: [{ name: 'app', image: 'x' }, { name: 'Init', image: 'x' }], containers: [{ name: 'app' }] }),
    want: [
      'spec.containers[0].image: Required value',
      'spec.initContainers[0].name: Duplicate value: "app"',
      `spec.initContainers[1].name: Invalid value: "Init": ${LABEL_MSG}`,
    ],
  },
  {
    name: 'pod tolerations: no key without Exists, a bad value, a value with Exists',
    obj: pod({
      containers: [{ name: 'c', image: 'x' }],
      tolerations: [{ effect: 'NoSchedule' }, { key: 'k', value: '-bad' }, { key: 'k', operator: 'Exists', value: 'v' }],
    }),
    want: [
      'spec.tolerations[0].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      "spec.tolerations[1].operator: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "spec.tolerations[2].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
    ],
  },
  {
    name: 'pod update changing more than the image',
    obj: pod({ containers: [{ name: 'c', image: 'nginx:2', ports: [{ containerPort: 81 }] }] }),
    old: defaulted(pod({ containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }] }] })),
    want: [
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    ],
  },
  {
    name: 'pod update removing activeDeadlineSeconds',
    obj: pod({ containers: [{ name: 'c', image: 'nginx:1' }] }),
    old: defaulted(pod({ activeDeadlineSeconds: 60, containers: [{ name: 'c', image: 'nginx:1' }] })),
    want: ['spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value'],
  },
  {
    name: 'pod update raising activeDeadlineSeconds',
    obj: pod({ activeDeadlineSeconds: 120, containers: [{ name: 'c', image: 'nginx:1' }] }),
    old: defaulted(pod({ activeDeadlineSeconds: 60, containers: [{ name: 'c', image: 'nginx:1' }] })),
    want: ['spec.activeDeadlineSeconds: Invalid value: 120: must be less than or equal to previous value'],
  },
  {
    name: 'pod update changing only the image',
    obj: pod({ containers: [{ name: 'c', image: 'nginx:2' }] }),
    old: defaulted(pod({ containers: [{ name: 'c', image: 'nginx:1' }] })),
    want: [],
  },
  {
    name: 'deployment with negative replicas',
    obj: deployment({ replicas: -1 }),
    want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
  },
  {
    name: 'deployment whose selector does not match the template',
    obj: deployment({ selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } }),
    want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
  },
  {
    name: 'deployment without a selector',
    obj: deployment({ selector: undefined }),
    want: ['spec.selector: Required value'],
  },
  {
    name: 'deployment with an unknown strategy and a Never restart policy',
    obj: deployment({
      strategy: { type: 'BlueGreen' },
      template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } },
    }),
    want: [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"',
    ],
  },
  {
    name: 'deployment template without containers',
    obj: deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } }),
    want: ['spec.template.spec.containers: Required value'],
  },
  {
    name: 'deployment changing its selector',
    obj: deployment({
      selector: { matchLabels: { app: 'web2' } },
      template: { metadata: { labels: { app: 'web2' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    }),
    old: defaulted(deployment({})),
    want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'],
  },
  {
    name: 'service with a nodePort out of range',
    obj: service({ type: 'NodePort', ports: [{ port: 80, nodePort: 99999 }] }),
    want: ['spec.ports[0].nodePort: Invalid value: 99999: provided port is not in the valid range. The range of valid ports is 30000-32767'],
  },
  {
    name: 'service with a nodePort on a ClusterIP service',
    obj: service({ ports: [{ port: 80, nodePort: 30080 }] }),
    want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
  },
  {
    name: 'service with unnamed ports, a zero port and a bad clusterIP',
    obj: service({ clusterIP: '10.43.0.300', ports: [{ port: 80 }, { port: 0, protocol: 'ICMP' }] }),
    want: [
      'spec.ports[0].name: Required value',
      'spec.ports[1].name: Required value',
      'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.clusterIPs[0]: Invalid value: "10.43.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
  },
  {
    name: 'service named with a leading digit',
    obj: service({}, '1web'),
    want: [`metadata.name: Invalid value: "1web": ${DNS1035_MSG}`],
  },
  {
    name: 'service changing its clusterIP',
    obj: service({ clusterIP: '10.43.0.20' }),
    old: defaulted(service({ clusterIP: '10.43.0.10' })),
    want: ['spec.clusterIPs[0]: Invalid value: []string{"10.43.0.20"}: may not change once set'],
  },
  {
    name: 'ClusterIP service with externalIPs may set externalTrafficPolicy',
    obj: service({ externalIPs: ['192.0.2.10'], externalTrafficPolicy: 'Local' }),
    want: [],
  },
  {
    name: 'ClusterIP service without externalIPs setting externalTrafficPolicy',
    obj: service({ externalTrafficPolicy: 'Local' }),
    want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
  },
  {
    name: 'service with sessionAffinityConfig but no affinity',
    obj: service({ sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    want: ['spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None'],
  },
  {
    name: 'service with a ClientIP affinity timeout over a day',
    obj: service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'],
  },
  {
    name: 'service with a healthCheckNodePort it cannot use and one out of range',
    obj: service({ type: 'NodePort', healthCheckNodePort: 30100 }),
    want: ["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"],
  },
  {
    name: 'LoadBalancer service with policy Local and a healthCheckNodePort out of range',
    obj: service({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 70000 }),
    want: ['spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
  },
  {
    name: 'node with the same taint key and effect twice',
    obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints: [{ key: 'gpu', value: 'a', effect: 'NoSchedule' }, { key: 'gpu', value: 'b', effect: 'NoSchedule' }] } },
    want: ['spec.taints[1]: Duplicate value: core.Taint{Key:"gpu", Value:"b", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair'],
  },
  {
    name: 'namespace with a dot in its name',
    obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } },
    want: [`metadata.name: Invalid value: "team.a": ${LABEL_MSG}`],
  },
  {
    name: 'cluster-scoped object with a namespace',
    obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'default' } },
    want: ['metadata.namespace: Forbidden: not allowed on this type'],
  },
  {
    name: 'bad label key and value',
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: { 'a/b/c': 'ok', app: '-bad' } } },
    want: [
      "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      "metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  },
  {
    name: 'label key with an empty name part',
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: { 'example.com/': 'x' } } },
    want: [
      'metadata.labels: Invalid value: "example.com/": name part must be non-empty',
      "metadata.labels: Invalid value: \"example.com/\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  },
  {
    name: 'configmap with a bad key and a key in both maps',
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { 'a b': '1', dup: 'x' }, binaryData: { dup: 'eA==' } },
    want: [
      "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      'data[dup]: Invalid value: "dup": duplicate of key present in binaryData',
    ],
  },
  {
    name: 'tls secret without its keys',
    obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } },
    want: ['data[tls.key]: Required value'],
  },
  {
    name: 'immutable configmap being changed',
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, immutable: true, data: { a: '2' } },
    old: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, immutable: true, data: { a: '1' } },
    want: ['data: Forbidden: field is immutable when `immutable` is set'],
  },
  {
    name: 'job with the default restart policy',
    obj: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default', uid: 'u1' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } },
    want: ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'],
  },
  {
    name: 'valid job',
    obj: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default', uid: 'u1' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } },
    want: [],
  },
  {
    name: 'valid deployment, service, daemonset and lease',
    obj: deployment({}),
    want: [],
  },
  {
    name: 'endpoints address anywhere in fe80::/10',
    obj: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'default' }, subsets: [{ addresses: [{ ip: 'fe81::1' }, { ip: '1:::2' }], ports: [{ port: 80 }] }] },
    want: [
      'subsets[0].addresses[0].ip: Invalid value: "fe81::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      'subsets[0].addresses[1].ip: Invalid value: "1:::2": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ],
  },
  {
    name: 'endpointslice endpoints with no addresses and with too many',
    obj: {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'default' }, addressType: 'IPv4',
      endpoints: [{ addresses: [] }, { addresses: Array.from({ length: 101 }, (_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`) }],
    },
    want: [
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses: Too many: 101: must have at most 100 items',
    ],
  },
  {
    name: 'namespaced object without a namespace',
    obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { leaseDurationSeconds: 0 } },
    want: ['metadata.namespace: Required value', 'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
  },
  {
    name: 'deployment template without an image (its pods could never be created)',
    obj: deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } } }),
    want: ['spec.template.spec.containers[0].image: Required value'],
  },
  {
    name: 'negative grace period, ids out of range, file modes past 0777, probes without a handler',
    obj: pod({
      terminationGracePeriodSeconds: -1,
      securityContext: { runAsUser: -1, supplementalGroups: [4294967296] },
      volumes: [{ name: 'cfg', configMap: { name: 'c', defaultMode: 512, items: [{ key: 'k', path: 'p', mode: -1 }] } }],
      containers: [{ name: 'c', image: 'x', livenessProbe: { periodSeconds: -5, successThreshold: 2 }, readinessProbe: { tcpSocket: { port: 70000 } } }],
    }),
    want: [
      'spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive',
      'spec.volumes[0].configMap.items[0].mode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive',
      'spec.containers[0].livenessProbe: Required value: must specify a handler type',
      'spec.containers[0].livenessProbe.periodSeconds: Invalid value: -5: must be greater than or equal to 0',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
      'spec.securityContext.supplementalGroups[0]: Invalid value: 4294967296: must be between 0 and 2147483647, inclusive',
    ],
  },
  {
    name: 'a resource quantity past what a 64-bit count holds',
    obj: pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1e300' } } }] }),
    want: ['spec.containers[0].resources.requests[cpu]: Invalid value: "1e300": must be less than or equal to 9223372036854775807'],
  },
];

for (const c of cases) {
  test(`validation: ${c.name}`, () => {
    assert.deepEqual(check(c.obj, c.old), c.want);
  });
}

test('status: counters above status.replicas, for Deployments and ReplicaSets alike', () => {
  const statusErrors = (apiVersion: string, kind: string, status: Record<string, number>) => {
    const obj = { apiVersion, kind, metadata: { name: 'w', namespace: 'default' }, status } as KObject;
    return (descriptor(apiVersion, kind).validateStatus?.(obj, {}) ?? []).map((e) => `${e.field}: ${e.message}`);
  };
  assert.deepEqual(statusErrors('apps/v1', 'Deployment', { replicas: 1, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 3 }), [
    'status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
  ]);
  assert.deepEqual(statusErrors('apps/v1', 'ReplicaSet', { replicas: 1, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 2 }), [
    'status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas',
  ]);
});

test('pods/ephemeralcontainers: what kubectl debug sends is accepted; service fields and removals are refused', () => {
  const d = descriptor('v1', 'Pod');
  const part = d.subresources?.parts?.find((p) => p.name === 'ephemeralcontainers');
  assert.ok(part, 'the subresource is registered');
  const old = defaulted(pod({ containers: [{ name: 'app', image: 'nginx:1.27' }] }));
  const withDebug = (ec: Record<string, unknown>) => ({ ...old, spec: { ...(old.spec as object), ephemeralContainers: [ec] } }) as KObject;
  // kubectl debug's own patch: an empty resources object, the target, a command.
  const kubectlDebug = { name: 'debugger-x', image: 'busybox', command: ['sh'], resources: {}, targetContainerName: 'app', terminationMessagePolicy: 'File' };
  assert.deepEqual(part.validate(withDebug(kubectlDebug), old).map((e) => `${e.field}: ${e.message}`), []);
  const bad = part.validate(withDebug({ name: 'dbg', image: 'busybox', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, targetContainerName: 'nope' }), old).map((e) => `${e.field}: ${e.message}`);
  assert.ok(bad.some((m) => m.startsWith('spec.ephemeralContainers[0].ports: Forbidden')), bad.join('\n'));
  assert.ok(bad.some((m) => m.startsWith('spec.ephemeralContainers[0].resources: Forbidden')), bad.join('\n'));
  assert.ok(bad.some((m) => m.startsWith('spec.ephemeralContainers[0].targetContainerName: Not found')), bad.join('\n'));
  const removed = part.validate(old, withDebug(kubectlDebug)).map((e) => e.message);
  assert.ok(removed.some((m) => /may not be removed/.test(m)), removed.join('\n'));
});
