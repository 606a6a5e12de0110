// What strict field validation would refuse: the exact paths of misspelt fields, and nothing for
// the objects users, kubectl and our own server really write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { descriptors, findByKind } from '../index.js';
import type { KObject } from '../types.js';
import { checkDecoding, maxUnknownFields, strictDecodingMessage, unknownFields } from './unknown-fields.js';

// The repository's own examples (copied from the seeds), found from the source or compiled test.
const examplesDir = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../../examples' : '../../../examples', import.meta.url));

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function check(obj: KObject): string[] | undefined {
  return unknownFields(groupOf(obj.apiVersion!), obj.kind!, obj);
}

function yamlObjects(text: string): KObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KObject).filter((o) => o && typeof o === 'object');
}

/** The object after the server's own defaulting, as it is stored. */
function defaulted(obj: KObject): KObject {
  const [group, version] = obj.apiVersion!.includes('/') ? obj.apiVersion!.split('/') : ['', obj.apiVersion!];
  const copy = structuredClone(obj);
  findByKind(group!, version!, obj.kind!)!.defaults?.(copy);
  return copy;
}

const fullDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, tier: frontend}
  annotations: {deployment.kubernetes.io/revision: "3", example.com/owner: team-a}
spec:
  replicas: 3
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 600
  minReadySeconds: 5
  selector:
    matchLabels: {app: web}
    matchExpressions: [{key: tier, operator: In, values: [frontend]}]
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}
  template:
    metadata:
      labels: {app: web, tier: frontend}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 45
      priorityClassName: high
      enableServiceLinks: false
      imagePullSecrets: [{name: regcred}]
      nodeSelector: {kubernetes.io/os: linux}
      hostAliases: [{ip: 10.0.0.9, hostnames: [db.local]}]
      dnsPolicy: ClusterFirst
      dnsConfig:
        nameservers: [1.1.1.1]
        searches: [shop.svc.cluster.local]
        options: [{name: ndots, value: "2"}]
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 3000
        fsGroup: 2000
        fsGroupChangePolicy: OnRootMismatch
        supplementalGroups: [4000]
        seccompProfile: {type: RuntimeDefault}
        sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65535"}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [amd64, arm64]}]
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 10
              preference:
                matchExpressions: [{key: node-type, operator: In, values: [fast]}]
        podAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 50
              podAffinityTerm:
                labelSelector: {matchLabels: {app: cache}}
                topologyKey: kubernetes.io/hostname
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname
              namespaceSelector: {}
              matchLabelKeys: [pod-template-hash]
      tolerations:
        - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
        - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector: {matchLabels: {app: web}}
          minDomains: 2
          nodeAffinityPolicy: Honor
          nodeTaintsPolicy: Ignore
          matchLabelKeys: [pod-template-hash]
      initContainers:
        - name: migrate
          image: registry.local/shop/migrate:1.4
          command: [sh, -c]
          args: [./migrate up]
          envFrom:
            - configMapRef: {name: db-config}
            - secretRef: {name: db-secret, optional: true}
              prefix: DB_
          resources:
            requests: {cpu: 50m, memory: 64Mi}
        - name: sidecar-log
          image: busybox:1.36
          restartPolicy: Always
          args: [tail, -F, /var/log/app.log]
      containers:
        - name: app
          image: registry.local/shop/web:2.1.0
          imagePullPolicy: IfNotPresent
          workingDir: /srv
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
            - {name: metrics, containerPort: 9090}
          env:
            - {name: MODE, value: production}
            - name: POD_NAME
              valueFrom: {fieldRef: {apiVersion: v1, fieldPath: metadata.name}}
            - name: MEM_LIMIT
              valueFrom: {resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
            - name: FLAG
              valueFrom: {configMapKeyRef: {name: flags, key: flag, optional: true}}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: api, key: token}}
          resources:
            limits: {cpu: "1", memory: 512Mi, ephemeral-storage: 1Gi}
            requests: {cpu: 250m, memory: 256Mi}
          resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
              scheme: HTTP
              httpHeaders: [{name: X-Probe, value: liveness}]
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
            terminationGracePeriodSeconds: 30
          readinessProbe:
            tcpSocket: {port: 8080}
            successThreshold: 1
          startupProbe:
            exec: {command: [cat, /tmp/started]}
            failureThreshold: 30
          lifecycle:
            postStart: {exec: {command: [sh, -c, echo started]}}
            preStop: {sleep: {seconds: 5}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            privileged: false
            capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
            seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
            appArmorProfile: {type: RuntimeDefault}
          volumeMounts:
            - {name: config, mountPath: /etc/web, readOnly: true}
            - {name: cache, mountPath: /cache}
            - {name: data, mountPath: /data, subPath: web}
            - {name: secrets, mountPath: /run/secrets/app, readOnly: true, recursiveReadOnly: IfPossible}
            - {name: bundle, mountPath: /var/run/bundle}
            - {name: host-logs, mountPath: /var/log/host, mountPropagation: HostToContainer}
          terminationMessagePolicy: FallbackToLogsOnError
        - name: grpc-health
          image: registry.local/shop/health:1
          readinessProbe:
            grpc: {port: 9000, service: readiness}
      volumes:
        - name: config
          configMap:
            name: web-config
            defaultMode: 0444
            items: [{key: app.yaml, path: app.yaml, mode: 0400}]
        - name: cache
          emptyDir: {medium: Memory, sizeLimit: 128Mi}
        - name: data
          persistentVolumeClaim: {claimName: web-data, readOnly: false}
        - name: secrets
          secret: {secretName: web-secrets, optional: false}
        - name: host-logs
          hostPath: {path: /var/log, type: Directory}
        - name: podinfo
          downwardAPI:
            items:
              - path: labels
                fieldRef: {fieldPath: metadata.labels}
              - path: cpu_limit
                resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}
        - name: bundle
          projected:
            defaultMode: 0420
            sources:
              - serviceAccountToken: {audience: vault, expirationSeconds: 3600, path: token}
              - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
              - secret: {name: extra, optional: true}
              - downwardAPI: {items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]}
        - name: shared
          nfs: {server: nfs.local, path: /exports/shop}
        - name: scratch
          ephemeral:
            volumeClaimTemplate:
              metadata: {labels: {type: scratch}}
              spec:
                accessModes: [ReadWriteOnce]
                storageClassName: local-path
                resources: {requests: {storage: 1Gi}}
        - name: legacy
          awsElasticBlockStore: {volumeID: vol-1, fsType: ext4, someFutureField: x}
`;

test('the seed workload has no unknown fields, before and after defaulting', () => {
  const objs = yamlObjects(readFileSync(join(examplesDir, 'seed002-test.yaml'), 'utf8'));
  assert.equal(objs.length, 2);
  for (const obj of objs) {
    assert.deepEqual(check(obj), [], `${obj.kind}/${obj.metadata.name}`);
    assert.deepEqual(check(defaulted(obj)), [], `${obj.kind}/${obj.metadata.name} defaulted`);
  }
});

test('every YAML manifest in the shared examples has no unknown fields', () => {
  const files = readdirSync(examplesDir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0);
  for (const f of files) {
    for (const obj of yamlObjects(readFileSync(join(examplesDir, f), 'utf8'))) {
      if (!obj.apiVersion || !obj.kind) continue;
      const found = check(obj);
      if (found !== undefined) assert.deepEqual(found, [], `${f}: ${obj.kind}/${obj.metadata?.name}`);
    }
  }
});

test('a realistic full Deployment has no unknown fields, nor after the server defaults it', () => {
  const [deploy] = yamlObjects(fullDeployment);
  assert.deepEqual(check(deploy!), []);
  assert.deepEqual(check(defaulted(deploy!)), []);
});

test('what kubectl create sends (null timestamps, empty strategy, resources and status) has no unknown fields', () => {
  const body = JSON.parse(
    '{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"app":"web"}},' +
      '"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},' +
      '"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}]}},"strategy":{}},"status":{}}',
  );
  assert.deepEqual(check(body), []);
});

test('misspelt fields are reported with the path upstream prints', () => {
  const [deploy] = yamlObjects(fullDeployment) as Array<KObject & { spec: any }>;
  const c = deploy!.spec.template.spec.containers[1];
  c.imagee = c.image;
  delete c.image;
  assert.deepEqual(check(deploy!), ['spec.template.spec.containers[1].imagee']);

  const typo = (o: Record<string, unknown>) => check({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, ...o });
  assert.deepEqual(typo({ spec: { replica: 2 } }), ['spec.replica']);
  assert.deepEqual(typo({ metadata: { name: 'x', lables: { app: 'x' } } }), ['metadata.lables']);
});

test('several unknown fields come in document order and make upstream\'s message', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', lables: {} }, specs: {},
    spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerport: 80 }] }, { name: 'b', Image: 'y' }], volumes: [{ name: 'v', emptydir: {} }] },
  };
  const paths = check(pod as KObject)!;
  assert.deepEqual(paths, ['metadata.lables', 'specs', 'spec.containers[0].ports[0].containerport', 'spec.containers[1].Image', 'spec.volumes[0].emptydir']);
  assert.equal(strictDecodingMessage(paths.slice(0, 2)), 'strict decoding error: unknown field "metadata.lables", unknown field "specs"');
});

test('map keys are free, and free-form or mistyped values are not descended into', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { lables: 'x' }, annotations: { constructor: 'y' } }, data: { spec: 'z', toString: 'w' } };
  assert.deepEqual(check(cm), []);
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', managedFields: [{ manager: 'm', anything: 1 }] },
    spec: {
      containers: 'not-a-list', initContainers: [{ name: 'i', resources: ['not', 'an', 'object'] }, 'not-an-object', null],
      volumes: [{ name: 'v', gcePersistentDisk: { pdName: 'd', whatever: true } }],
      nodeSelector: ['wrong'],
    },
    status: { conditions: { type: 'Ready' } },
  };
  assert.deepEqual(check(pod as KObject), []);
  // Inherited object properties are not field names.
  const inherited = JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","__proto__":{}},"constructor":1,"toString":2}');
  assert.deepEqual(check(inherited), ['metadata.__proto__', 'constructor', 'toString']);
});

test('the report is bounded', () => {
  const metadata: Record<string, unknown> = { name: 'x' };
  for (let i = 0; i < 500; i++) metadata[`f${i}`] = i;
  assert.equal(check({ apiVersion: 'v1', kind: 'Secret', metadata } as KObject)!.length, maxUnknownFields);
});

test('a kind without a table gives undefined', () => {
  assert.equal(unknownFields('example.com', 'Widget', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } }), undefined);
  assert.equal(unknownFields('', 'Deployment', {}), undefined, 'the group is part of the kind');
});

test('every served kind has a table', () => {
  for (const d of descriptors) {
    const apiVersion = d.group ? `${d.group}/${d.version}` : d.version;
    assert.deepEqual(unknownFields(d.group, d.kind, { apiVersion, kind: d.kind, metadata: { name: 'x' } }, { version: d.version }), [], `${apiVersion} ${d.kind}`);
  }
});

test('what the server bootstrap stores has no unknown fields', () => {
  const meta = (name: string, namespace?: string, labels?: Record<string, string>): KObject['metadata'] => ({
    name, ...(namespace ? { namespace } : {}), uid: '0b6c5b4e-5ab2-4a39-9f7e-0d5c3b1a2e11', resourceVersion: '12', generation: 1,
    creationTimestamp: '2025-01-01T00:00:00Z', ...(labels ? { labels } : {}),
    managedFields: [{ manager: 'k3ts', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
  });
  const objs: KObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta('default') },
    { apiVersion: 'v1', kind: 'Service', metadata: meta('kubernetes', 'default', { component: 'apiserver', provider: 'kubernetes' }),
      spec: { type: 'ClusterIP', clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' } },
    { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('kubernetes', 'default', { 'endpointslice.kubernetes.io/skip-mirror': 'true' }),
      subsets: [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: meta('kubernetes', 'default', { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'k3ts-apiserver' }),
      addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.5'], conditions: { ready: true } }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
  ];
  for (const obj of objs) {
    const stored = defaulted(obj);
    assert.deepEqual(check(stored), [], obj.kind);
  }
  assert.equal((defaulted(objs[0]!).status as { phase?: string }).phase, 'Active', 'the namespace fixture carries status.phase');
});

test('pruning removes every unknown field, however many, and keeps the known ones', () => {
  const env = Array.from({ length: maxUnknownFields + 20 }, (_, i) => ({ name: `E${i}`, value: 'v', bogus: i }));
  const obj: { metadata: Record<string, unknown>; spec: { containers: Array<{ name: string; image: string; env: Array<Record<string, unknown>> }> } } & Record<string, unknown> = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', lables: { a: 'b' } },
    spec: { containers: [{ name: 'c', image: 'busybox', env }] },
  };
  const reported = unknownFields('', 'Pod', obj, { prune: true })!;
  assert.equal(reported.length, maxUnknownFields);
  assert.equal(reported[0], 'metadata.lables');
  assert.deepEqual(obj.metadata, { name: 'p' });
  assert.ok(obj.spec.containers[0].env.every((e) => !('bogus' in e) && e.value === 'v'));
  assert.deepEqual(unknownFields('', 'Pod', obj), []);
});

test('values of the wrong JSON type are refused as Go decoding refuses them; nulls become zero values', () => {
  const deploy = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec });
  assert.equal(
    checkDecoding('apps', 'Deployment', deploy({ replicas: '3' }))?.typeError,
    'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
  );
  assert.equal(
    checkDecoding('apps', 'Deployment', deploy({ template: { spec: { containers: [{ name: 'c', image: 5 }] } } }))?.typeError,
    'json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string',
  );
  assert.match(checkDecoding('', 'ConfigMap', { metadata: { name: 'c' }, data: [] })?.typeError ?? '', /cannot unmarshal array into Go struct field ConfigMap\.data of type map\[string\]string/);
  const withNulls = deploy({ replicas: null, template: { spec: { containers: [null], nodeSelector: { a: null } } } });
  assert.equal(checkDecoding('apps', 'Deployment', withNulls, { normalize: true })?.typeError, undefined);
  assert.deepEqual(withNulls.spec, { template: { spec: { containers: [{}], nodeSelector: { a: '' } } } });
});

test('integers must fit the Go type they decode into: int32 for counts and ports, int64 for seconds and IDs', () => {
  const deploy = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec });
  for (const replicas of [2147483648, 1e10, 1e300, -2147483649, 1.5]) {
    assert.equal(
      checkDecoding('apps', 'Deployment', deploy({ replicas }))?.typeError,
      `json: cannot unmarshal number ${replicas} into Go struct field DeploymentSpec.spec.replicas of type int32`,
    );
  }
  assert.equal(checkDecoding('apps', 'Deployment', deploy({ replicas: 2147483647 }))?.typeError, undefined);
  const pod = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });
  assert.equal(checkDecoding('', 'Pod', pod({ terminationGracePeriodSeconds: 4294967296 }))?.typeError, undefined, 'grace periods are int64');
  assert.match(checkDecoding('', 'Pod', pod({ terminationGracePeriodSeconds: 1e300 }))?.typeError ?? '', /number 1e\+300 into Go struct field PodSpec\.spec\.terminationGracePeriodSeconds of type int64/);
  assert.match(
    checkDecoding('', 'Service', { metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 4294967296 }] } })?.typeError ?? '',
    /targetPort of type intstr\.IntOrString/,
  );
  assert.match(checkDecoding('autoscaling', 'Scale', { spec: { replicas: 1e300 } })?.typeError ?? '', /ScaleSpec\.spec\.replicas of type int32/);
  assert.match(checkDecoding('meta.k8s.io', 'DeleteOptions', { preconditions: 's' })?.typeError ?? '', /cannot unmarshal string into Go struct field DeleteOptions\.preconditions of type Preconditions/);
});
