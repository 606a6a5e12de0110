// Namespace policy and the smaller served kinds, driven by kubectl 1.32 and 1.35 against a real
// server with the simulated runtime: a quota of two pods refuses the third with upstream's 403,
// `kubectl describe quota` shows what is used, a LimitRange fills in a pod's requests, an Ingress
// gets the default IngressClass, a pod gets the priority of its class, and a ReplicationController
// keeps its replicas.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';
import { eventually } from './cli-exec.js';

const pod = (ns: string, name: string, extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${extra}  containers: [{name: app, image: busybox}]\n`;

describeWithKubectls('quotas, limit ranges, ingresses, priorities and replication controllers', { nsPrefix: 'policy', timeout: 90_000 }, (t) => {
  const { kc, ns, index } = t;

  it('a quota of two pods refuses the third with 403 exceeded quota, and describe shows the usage', async () => {
    assert.equal(expectOk(await kc(['create', 'quota', 'two-pods', '-n', ns, '--hard=pods=2,services=5'])).trim(), 'resourcequota/two-pods created');
    // The controller mirrors hard into status before the quota is enforced.
    await eventually('the quota counted', 10_000, async () => {
      const used = expectOk(await kc(['get', 'quota', 'two-pods', '-n', ns, '-o', 'jsonpath={.status.used.pods}']));
      return used === '0' ? true : undefined;
    });
    for (const name of ['p1', 'p2']) expectOk(await kc(['create', '-f', '-', '-n', ns], { input: pod(ns, name) }));
    const refused = await kc(['create', '-f', '-', '-n', ns], { input: pod(ns, 'p3') });
    expectError(refused, /Error from server \(Forbidden\).*pods "p3" is forbidden: exceeded quota: two-pods, requested: pods=1, used: pods=2, limited: pods=2/);
    const described = expectOk(await kc(['describe', 'quota', 'two-pods', '-n', ns]));
    expectMatch(described, /^Resource\s+Used\s+Hard\n-+\s+-+\s+-+\npods\s+2\s+2\nservices\s+0\s+5$/m);
    expectMatch(expectOk(await kc(['get', 'quota', '-n', ns])), /^NAME\s+AGE\s+REQUEST\s+LIMIT\ntwo-pods\s+\S+\s+pods: 2\/2, services: 0\/5\s*$/m);
    // Deleting a pod gives its unit back once the controller recounts.
    expectOk(await kc(['delete', 'pod', 'p1', '-n', ns, '--grace-period=0', '--force']));
    await eventually('a pod freed', 20_000, async () => {
      const r = await kc(['create', '-f', '-', '-n', ns], { input: pod(ns, 'p3') });
      return r.code === 0 ? true : undefined;
    });
    expectOk(await kc(['delete', 'quota', 'two-pods', '-n', ns]));
    expectMatch(expectOk(await kc(['explain', 'resourcequota.spec.hard'])), /hard is the set of desired hard limits for each named resource/);
  });

  it('a compute quota refuses a pod without requests', async () => {
    expectOk(await kc(['create', 'quota', 'compute', '-n', ns, '--hard=requests.cpu=1,requests.memory=1Gi']));
    await eventually('the quota counted', 10_000, async () => (expectOk(await kc(['get', 'quota', 'compute', '-n', ns, '-o', 'jsonpath={.status.used}'])).includes('requests.cpu') ? true : undefined));
    expectError(await kc(['create', '-f', '-', '-n', ns], { input: pod(ns, 'bare') }), /pods "bare" is forbidden: failed quota: compute: must specify requests.cpu for: app; requests.memory for: app/);
    expectOk(await kc(['delete', 'quota', 'compute', '-n', ns]));
  });

  it('a LimitRange fills in a pod\'s requests and limits, and refuses a pod over its max', async () => {
    const lr = `apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults, namespace: ${ns}}\nspec:\n  limits:\n  - type: Container\n    max: {cpu: '1'}\n    default: {cpu: 500m, memory: 128Mi}\n    defaultRequest: {cpu: 250m, memory: 64Mi}\n`;
    assert.equal(expectOk(await kc(['apply', '-f', '-'], { input: lr })).trim(), 'limitrange/defaults created');
    expectMatch(expectOk(await kc(['get', 'limits', '-n', ns])), /^NAME\s+CREATED AT\ndefaults\s+\d{4}-\d\d-\d\dT/m);
    expectOk(await kc(['create', '-f', '-'], { input: pod(ns, 'defaulted') }));
    const got = expectOk(await kc(['get', 'pod', 'defaulted', '-n', ns, '-o', 'jsonpath={.spec.containers[0].resources.requests.cpu}/{.spec.containers[0].resources.requests.memory}/{.spec.containers[0].resources.limits.cpu}']));
    assert.equal(got, '250m/64Mi/500m');
    const greedy = pod(ns, 'greedy').replace('image: busybox}', 'image: busybox, resources: {limits: {cpu: "2"}}}');
    expectError(await kc(['create', '-f', '-'], { input: greedy }), /pods "greedy" is forbidden: maximum cpu usage per Container is 1, but limit is 2\./);
    expectMatch(expectOk(await kc(['describe', 'limits', 'defaults', '-n', ns])), /Container\s+cpu\s+-\s+1\s+250m\s+500m\s+-/);
  });

  it('an Ingress without a class gets the default IngressClass; bad paths are refused', async () => {
    const cls = `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: traefik-${index}\n  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}\nspec: {controller: traefik.io/ingress-controller}\n`;
    expectOk(await kc(['apply', '-f', '-'], { input: cls }));
    expectMatch(expectOk(await kc(['get', 'ingressclass', `traefik-${index}`])), new RegExp(`^NAME\\s+CONTROLLER\\s+PARAMETERS\\s+AGE\\ntraefik-${index}\\s+traefik.io/ingress-controller\\s+<none>\\s+\\d+s$`, 'm'));
    assert.equal(expectOk(await kc(['create', 'ingress', 'web', '-n', ns, '--rule=web.example.com/=web:80'])).trim(), 'ingress.networking.k8s.io/web created');
    assert.equal(expectOk(await kc(['get', 'ingress', 'web', '-n', ns, '-o', 'jsonpath={.spec.ingressClassName}'])), `traefik-${index}`);
    expectMatch(expectOk(await kc(['get', 'ing', '-n', ns])), new RegExp(`^NAME\\s+CLASS\\s+HOSTS\\s+ADDRESS\\s+PORTS\\s+AGE\\nweb\\s+traefik-${index}\\s+web.example.com\\s+80\\s+\\d+s$`, 'm'));
    const bad = `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: bad, namespace: ${ns}}\nspec:\n  rules:\n  - host: 10.0.0.1\n    http: {paths: [{path: relative, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}\n`;
    const refused = expectError(await kc(['create', '-f', '-'], { input: bad }), /The Ingress "bad" is invalid/);
    assert.match(refused, /spec.rules\[0\].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address/);
    assert.match(refused, /spec.rules\[0\].http.paths\[0\].path: Invalid value: "relative": must be an absolute path/);
    expectOk(await kc(['delete', 'ingressclass', `traefik-${index}`]));
  });

  it('a pod with priorityClassName gets its priority; the system classes exist', async () => {
    assert.equal(expectOk(await kc(['create', 'priorityclass', `high-${index}`, '--value=1000', '--description=important'])).trim(), `priorityclass.scheduling.k8s.io/high-${index} created`);
    expectMatch(expectOk(await kc(['get', 'pc'])), /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    expectOk(await kc(['create', '-f', '-'], { input: pod(ns, 'important', `  priorityClassName: high-${index}\n`) }));
    assert.equal(expectOk(await kc(['get', 'pod', 'important', '-n', ns, '-o', 'jsonpath={.spec.priority}/{.spec.preemptionPolicy}'])), '1000/PreemptLowerPriority');
    expectError(await kc(['create', '-f', '-'], { input: pod(ns, 'unknown', '  priorityClassName: nope\n') }), /pods "unknown" is forbidden: no PriorityClass with name nope was found/);
    expectError(await kc(['create', 'priorityclass', `system-mine-${index}`, '--value=5']), /metadata.name: Invalid value: "system-mine-\d": priority class names with 'system-' prefix are reserved/);
    expectOk(await kc(['delete', 'priorityclass', `high-${index}`]));
  });

  it('a ReplicationController keeps its replicas', async () => {
    const rc = `apiVersion: v1\nkind: ReplicationController\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  replicas: 2\n  template:\n    metadata: {labels: {app: rc-web}}\n    spec: {containers: [{name: app, image: nginx}]}\n`;
    assert.equal(expectOk(await kc(['apply', '-f', '-'], { input: rc })).trim(), 'replicationcontroller/web created');
    const names = async () => expectOk(await kc(['get', 'pods', '-n', ns, '-l', 'app=rc-web', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean);
    const first = await eventually('two pods', 20_000, async () => ((await names()).length === 2 ? await names() : undefined));
    expectOk(await kc(['delete', 'pod', first[0]!, '-n', ns, '--wait=false']));
    await eventually('a replacement', 20_000, async () => {
      const now = await names();
      return now.length >= 2 && !now.includes(first[0]!) ? true : undefined;
    });
    expectOk(await kc(['scale', 'rc', 'web', '-n', ns, '--replicas=1']));
    // This server runs no node, so its pods are never ready: DESIRED and CURRENT are what count here.
    await eventually('scaled to one', 30_000, async () => {
      const out = expectOk(await kc(['get', 'rc', 'web', '-n', ns]));
      return /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nweb\s+1\s+1\s+0\s+\S+$/m.test(out) ? true : undefined;
    });
    expectOk(await kc(['delete', 'rc', 'web', '-n', ns]));
  });
});
