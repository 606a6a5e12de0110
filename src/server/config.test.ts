import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, kubeconfigServerUrl, resolveServerConfig } from './config.js';

const root = { uid: 0, home: '/root', env: { K3TS_RUNTIME: 'sim' } };
const user = { uid: 1000, home: '/home/ana', env: { K3TS_RUNTIME: 'sim' } };

describe('resolveServerConfig', () => {
  it('defaults follow K3s: port 6443, /var/lib/k3ts as root and ~/.k3ts otherwise, embedded SQLite in the data dir', () => {
    const c = resolveServerConfig({}, root);
    assert.equal(c.port, 6443);
    assert.equal(c.dataDir, '/var/lib/k3ts');
    assert.equal(c.kubeconfigPath, '/etc/k3ts/k3ts.yaml');
    assert.equal(c.datastoreEndpoint, 'sqlite:///var/lib/k3ts/server/db/state.db');
    assert.equal(c.serviceCidr, '10.43.0.0/16');
    assert.deepEqual(c.nodePortRange, { min: 30000, max: 32767 });
    assert.equal(resolveServerConfig({}, user).dataDir, '/home/ana/.k3ts');
    assert.equal(resolveServerConfig({}, user).kubeconfigPath, '/home/ana/.kube/k3ts.yaml');
  });

  it('flags win over the environment, which wins over defaults', () => {
    const env = { ...root, env: { K3TS_DATA_DIR: '/srv/k3ts', K3TS_TOKEN: 'from-env' } };
    assert.equal(resolveServerConfig({}, env).dataDir, '/srv/k3ts');
    assert.equal(resolveServerConfig({}, env).token, 'from-env');
    assert.equal(resolveServerConfig({ dataDir: '/data', token: 'flag' }, env).dataDir, '/data');
    assert.equal(resolveServerConfig({ dataDir: '/data', token: 'flag' }, env).token, 'flag');
  });

  it('--node-ip is advertised and added to the certificate names, with every --tls-san (comma lists too)', () => {
    const c = resolveServerConfig({ nodeIp: '192.0.2.7', tlsSan: ['k3ts.example.com,10.0.0.9', 'api.local'], bindAddress: '0.0.0.0' }, root);
    assert.equal(c.advertiseAddress, '192.0.2.7');
    assert.deepEqual([...c.tlsSans].sort(), ['10.0.0.9', '192.0.2.7', 'api.local', 'k3ts.example.com']);
  });

  it('refuses what cannot work, naming the flag', () => {
    for (const [flags, re] of [
      [{ httpsListenPort: '70000' }, /--https-listen-port: "70000"/],
      [{ bindAddress: 'localhost' }, /--bind-address: "localhost" is not an IP address/],
      [{ nodeIp: '10.0.0' }, /--node-ip/],
      [{ writeKubeconfigMode: '999' }, /--write-kubeconfig-mode/],
      [{ serviceNodePortRange: '32767-30000' }, /--service-node-port-range/],
      [{ datastoreEndpoint: 'etcd://127.0.0.1:2379' }, /--datastore-endpoint: unsupported datastore endpoint scheme "etcd:\/\/"/],
      [{ serviceCidr: '10.43.0.0' }, /--service-cidr: invalid IPv4 CIDR "10.43.0.0"/],
      [{ clusterCidr: '10.42.0.0/33' }, /--cluster-cidr: invalid IPv4 CIDR/],
    ] as const) {
      assert.throws(() => resolveServerConfig(flags, root), (err: Error) => err instanceof ConfigError && re.test(err.message));
    }
  });

  it('the kubeconfig points at loopback unless the server listens on one address only', () => {
    assert.equal(kubeconfigServerUrl({ bindAddress: '0.0.0.0', port: 6443 }), 'https://127.0.0.1:6443');
    assert.equal(kubeconfigServerUrl({ bindAddress: '192.0.2.7', port: 6443 }), 'https://192.0.2.7:6443');
    assert.equal(kubeconfigServerUrl({ bindAddress: '::1', port: 7443 }), 'https://[::1]:7443');
  });
});
