import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabels, parseTaints, resolveAgentConfig } from './config.js';
import { ConfigError } from './environment.js';

// Simulated containers unless a test asks otherwise: the machine running the tests is not the point.
const env = (vars: Record<string, string> = {}) => ({ uid: 1000, home: '/home/u', env: { K3TS_RUNTIME: 'sim', ...vars } });

test('the agent needs a server URL and a token, and says where to find them', () => {
  assert.throws(() => resolveAgentConfig({}, env()), (e: Error) => e instanceof ConfigError && /--server is required/.test(e.message));
  assert.throws(() => resolveAgentConfig({ server: 'https://10.0.0.1:6443' }, env()), /--token is required: the server's <data-dir>\/server\/token/);
  assert.throws(() => resolveAgentConfig({ server: 'http://10.0.0.1:6443', token: 't' }, env()), /must start with https:\/\//);
  assert.throws(() => resolveAgentConfig({ server: 'https://x', token: 't', tokenFile: undefined, nodeIp: '10.0.0' }, env()), /--node-ip: "10.0.0" is not an IP address/);
  assert.throws(() => resolveAgentConfig({ server: 'https://x', tokenFile: '/nonexistent/token' }, env()), /--token-file: cannot read \/nonexistent\/token: ENOENT/);
});

test('K3TS_URL, K3TS_TOKEN and K3TS_NODE_NAME work like the flags; the port defaults to 6443', () => {
  const c = resolveAgentConfig({}, env({ K3TS_URL: 'https://10.0.0.1', K3TS_TOKEN: 'abc', K3TS_NODE_NAME: 'worker1' }));
  assert.equal(c.server, 'https://10.0.0.1:6443');
  assert.equal(c.token, 'abc');
  assert.equal(c.nodeName, 'worker1');
  assert.equal(c.dataDir, '/home/u/.k3ts');
  assert.equal(resolveAgentConfig({ server: 'https://a:7443', token: 't' }, env()).server, 'https://a:7443');
});

test('node labels and taints are parsed as K3s takes them, and bad ones are refused', () => {
  assert.deepEqual(parseLabels(['rack=r2', 'example.com/gpu=true']), { rack: 'r2', 'example.com/gpu': 'true' });
  assert.throws(() => parseLabels(['bad key=x']), /--node-label: "bad key=x" is not key=value/);
  assert.deepEqual(parseTaints(['dedicated=gpu:NoSchedule', 'edge:NoExecute']), [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'edge', effect: 'NoExecute' },
  ]);
  assert.throws(() => parseTaints(['dedicated=gpu']), /--node-taint: "dedicated=gpu" is not key\[=value\]:Effect/);
  assert.throws(() => parseTaints(['a:Sometimes']), /Effect NoSchedule, PreferNoSchedule or NoExecute/);
});

test('an agent may not label itself with labels only the cluster admin sets, and is told how to set them', () => {
  const withLabels = (nodeLabel: string[]) => resolveAgentConfig({ server: 'https://x', token: 't', nodeLabel }, env());
  assert.throws(() => withLabels(['node-role.kubernetes.io/worker=true']), /--node-label node-role\.kubernetes\.io\/worker: an agent may not label itself.*kubectl label node <name> node-role\.kubernetes\.io\/worker=true/);
  assert.throws(() => withLabels(['node-restriction.kubernetes.io/pci=yes']), /may not label itself/);
  assert.deepEqual(withLabels(['node.kubernetes.io/rack=r1', 'topology.kubernetes.io/zone=a', 'example.com/gpu=1']).labels, {
    'node.kubernetes.io/rack': 'r1', 'topology.kubernetes.io/zone': 'a', 'example.com/gpu': '1',
  });
});

test('containerd is the default where it can run; elsewhere the start stops with what is missing and the sim alternative', () => {
  const base = { server: 'https://x', token: 't' };
  const root = (has: (f: string) => boolean) => ({ uid: 0, home: '/root', env: {}, hasExecutable: has });
  assert.equal(resolveAgentConfig(base, root(() => true)).runtime, 'containerd');
  assert.throws(
    () => resolveAgentConfig(base, root((f) => !f.includes('cni'))),
    /running real containers \(the default\) needs \/usr\/lib\/cni\/bridge.*: apt-get install containernetworking-plugins, or pass --runtime sim/,
  );
  assert.throws(() => resolveAgentConfig(base, root((f) => f !== 'runc')), /needs runc: apt-get install runc, or pass --runtime sim/);
  assert.throws(() => resolveAgentConfig(base, { uid: 1000, home: '/home/u', env: {} }), /needs root, for namespaces and cgroups: run as root, or pass --runtime sim/);
  assert.throws(() => resolveAgentConfig({ ...base, runtime: 'docker' }, env()), /--runtime: "docker" is not a runtime k3ts knows/);
  assert.equal(resolveAgentConfig({ ...base, runtime: 'sim' }, { uid: 1000, home: '/home/u', env: {} }).runtime, 'sim');
  const external = resolveAgentConfig({ ...base, containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock' }, { uid: 1000, home: '/home/u', env: {} });
  assert.deepEqual([external.runtime, external.containerRuntimeEndpoint], ['containerd', '/run/containerd/containerd.sock']);
});
