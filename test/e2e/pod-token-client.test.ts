// The in-cluster promise with the simulated runtime: a pod's mounted token (requested by the
// agent's kubelet through TokenRequest, with its node certificate) lets @kubernetes/client-node
// list what the pod's Role allows and nothing more. The test reads the pod's projected volume on the
// host and loads it as client-node does inside a pod (loadFromCluster with a path prefix), with
// KUBERNETES_SERVICE_HOST/PORT pointing at the test server, so the CA from kube-root-ca.crt must
// verify the server. Also: a node may not mint tokens for ServiceAccounts its pods do not use.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AgentProcess } from './agent-process.js';
import { expectError, expectOk, kubectls, TestServer } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NS = 'pod-token';

/** The directory <uid>/volumes/kubernetes.io~projected/<volume> somewhere under the agent's data dir. */
function findVolumeDir(root: string, uid: string, volume: string): string | undefined {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name === uid) {
        const v = join(p, 'volumes', 'kubernetes.io~projected', volume);
        if (existsSync(v)) return v;
      }
      stack.push(p);
    }
  }
  return undefined;
}

describe('a pod\'s mounted token with @kubernetes/client-node', { timeout: 180_000 }, () => {
  let server: TestServer;
  let agent: AgentProcess | undefined;
  let prefix = '';
  const kc = (args: string[], o = {}) => server.kubectl(args, { bin: kubectls[1]!.bin, ...o });
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };

  before(async () => {
    server = await TestServer.start();
    agent = new AgentProcess({ server: server.url, token: server.serverToken, nodeName: 'token-node', nodeIp: '127.0.0.41' });
    for (let i = 0; i < 100 && (await kc(['get', 'node', 'token-node'])).code !== 0; i++) await sleep(200);
    expectOk(await kc(['wait', '--for=condition=Ready', 'node/token-node', '--timeout=60s']));
    prefix = mkdtempSync(join(tmpdir(), 'k3ts-pod-token-'));
  });
  after(async () => {
    process.env.KUBERNETES_SERVICE_HOST = saved.host;
    process.env.KUBERNETES_SERVICE_PORT = saved.port;
    if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
    if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    if (prefix) rmSync(prefix, { recursive: true, force: true });
    await agent?.stop();
    await server?.stop();
  });

  it('lists pods as its Role allows, and is refused secrets and other namespaces', async () => {
    expectOk(await kc(['create', 'namespace', NS]));
    expectOk(await kc(['create', 'serviceaccount', 'reader', '-n', NS]));
    expectOk(await kc(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', NS]));
    expectOk(await kc(['create', 'rolebinding', 'reader', '--role=pod-reader', `--serviceaccount=${NS}:reader`, '-n', NS]));
    const file = join(server.workDir, 'reader-pod.yaml');
    writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reader', namespace: NS }, spec: { serviceAccountName: 'reader', nodeName: 'token-node', containers: [{ name: 'app', image: 'busybox' }] } }));
    expectOk(await kc(['apply', '-f', file]));
    expectOk(await kc(['wait', '--for=condition=Ready', 'pod/reader', '-n', NS, '--timeout=60s']));
    const pod = JSON.parse(expectOk(await kc(['get', 'pod', 'reader', '-n', NS, '-o', 'json'])));
    const volume = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-')).name;
    const mount = pod.spec.containers[0].volumeMounts.find((m: { name: string }) => m.name === volume);
    assert.deepEqual(mount, { name: volume, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });

    const dir = findVolumeDir(agent!.dataDir, pod.metadata.uid, volume);
    assert.ok(dir, `the projected volume ${volume} is on the host`);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('..')).sort(), ['ca.crt', 'namespace', 'token']);
    assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), NS);
    const claims = JSON.parse(Buffer.from(readFileSync(join(dir, 'token'), 'utf8').split('.')[1], 'base64url').toString('utf8'));
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'reader', uid: pod.metadata.uid });
    assert.equal(claims.exp - claims.iat, 3607);

    // What a pod sees at /var/run/secrets/kubernetes.io/serviceaccount, under a prefix.
    mkdirSync(join(prefix, 'var', 'run', 'secrets', 'kubernetes.io'), { recursive: true });
    symlinkSync(dir, join(prefix, 'var', 'run', 'secrets', 'kubernetes.io', 'serviceaccount'));
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(server.port);
    const config = new KubeConfig();
    config.loadFromCluster(prefix);
    const cluster = config.getCurrentCluster()!;
    assert.equal(cluster.server, `https://127.0.0.1:${server.port}`);
    assert.equal(cluster.skipTLSVerify, false);
    assert.equal(cluster.caFile, join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'));
    const api = config.makeApiClient(CoreV1Api);
    const pods = await api.listNamespacedPod({ namespace: NS });
    assert.deepEqual(pods.items.map((p) => p.metadata?.name), ['reader']);
    const code = (err: unknown) => (err as { code?: number }).code;
    await assert.rejects(api.listNamespacedSecret({ namespace: NS }), (err) => code(err) === 403);
    await assert.rejects(api.listNamespacedPod({ namespace: 'default' }), (err) => code(err) === 403);
    await assert.rejects(api.deleteNamespacedPod({ name: 'reader', namespace: NS }), (err) => code(err) === 403);
  });

  it('the node may not mint tokens for a ServiceAccount none of its pods uses, nor unbound ones', async () => {
    expectOk(await kc(['create', 'serviceaccount', 'other', '-n', NS]));
    const b64 = (f: string) => readFileSync(join(agent!.dataDir, 'agent', f)).toString('base64');
    const nodeConfig = join(server.root, 'node-kubeconfig.yaml');
    writeFileSync(nodeConfig, stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: server.url, 'certificate-authority-data': b64('server-ca.crt') } }],
      users: [{ name: 'node', user: { 'client-certificate-data': b64('client-kubelet.crt'), 'client-key-data': b64('client-kubelet.key') } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'node' } }],
      'current-context': 'c',
    }));
    expectError(await kc(['create', 'token', 'other', '-n', NS], { kubeconfig: nodeConfig }), 'error: failed to create token: serviceaccounts "other" is forbidden: User "system:node:token-node" cannot create resource "serviceaccounts/token" in API group "" in the namespace "pod-token": no relationship found between node \'token-node\' and this object');
    expectError(await kc(['create', 'token', 'reader', '-n', NS], { kubeconfig: nodeConfig }), 'error: failed to create token: serviceaccounts "reader" is forbidden: node requested token not bound to a pod');
    expectOk(await kc(['create', 'token', 'reader', '-n', NS, '--bound-object-kind=Pod', '--bound-object-name=reader'], { kubeconfig: nodeConfig }));
  });
});
