import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveServerConfig } from '../config.js';

const root = { uid: 0, home: '/root', env: { K3TS_RUNTIME: 'sim' } };
const base = { dataDir: '/nonexistent/k3ts-etcd-config-test', advertiseAddress: '192.0.2.10' };

describe('managed etcd flags', () => {
  it('--cluster-init: the datastore is this member over TLS on the advertise address, ports as K3s', () => {
    const c = resolveServerConfig({ ...base, clusterInit: true }, root);
    assert.deepEqual(c.managedEtcd, { joinServer: undefined, clientPort: 2379, peerPort: 2380 });
    assert.equal(c.datastoreEndpoint, 'https://192.0.2.10:2379');
    assert.equal(c.datastoreTls.caFile, '/nonexistent/k3ts-etcd-config-test/server/tls/etcd/server-ca.crt');
    assert.equal(c.clusterReset, undefined);
  });

  it('--server joins; other ports for several servers on one address', () => {
    const c = resolveServerConfig({ ...base, server: 'https://192.0.2.1:6443/', token: 'T', etcdClientPort: '12379', etcdPeerPort: '12380' }, root);
    assert.deepEqual(c.managedEtcd, { joinServer: 'https://192.0.2.1:6443', clientPort: 12379, peerPort: 12380 });
    assert.equal(c.datastoreEndpoint, 'https://192.0.2.10:12379');
  });

  it('scheduled snapshots as K3s: every 12 hours, keeping 5; their own flags, or off', () => {
    assert.deepEqual(resolveServerConfig({ ...base, clusterInit: true }, root).etcdSnapshots, { cron: '0 */12 * * *', retention: 5 });
    assert.deepEqual(resolveServerConfig({ ...base, clusterInit: true, etcdSnapshotScheduleCron: '*/5 * * * *', etcdSnapshotRetention: '2', etcdSnapshotDir: '/backup' }, root).etcdSnapshots, { cron: '*/5 * * * *', retention: 2, dir: '/backup' });
    assert.equal(resolveServerConfig({ ...base, clusterInit: true, etcdDisableSnapshots: true }, root).etcdSnapshots, undefined);
    assert.equal(resolveServerConfig(base, root).etcdSnapshots, undefined, 'no managed etcd, no snapshots');
    assert.throws(() => resolveServerConfig({ ...base, clusterInit: true, etcdSnapshotScheduleCron: '0 */12 * *' }, root), /--etcd-snapshot-schedule-cron: .* five fields/);
    assert.throws(() => resolveServerConfig({ ...base, clusterInit: true, etcdSnapshotRetention: '0' }, root), /--etcd-snapshot-retention: "0" must be a whole number of at least 1/);
  });

  it('without the flags, nothing changes', () => {
    const c = resolveServerConfig(base, root);
    assert.equal(c.managedEtcd, undefined);
    assert.match(c.datastoreEndpoint, /^sqlite:/);
  });

  it('refuses what cannot work with one line naming the flag', () => {
    for (const [flags, re] of [
      [{ clusterInit: true, datastoreEndpoint: 'http://127.0.0.1:2379' }, /--cluster-init starts a managed etcd and cannot be combined with --datastore-endpoint/],
      [{ server: 'https://a:6443', datastoreEndpoint: 'postgres://u:p@h/db' }, /--server joins a managed etcd cluster; .* drop --server/],
      [{ server: 'http://a:6443' }, /--server: "http:\/\/a:6443" must be https/],
      [{ server: 'not a url' }, /--server: "not a url" is not a URL/],
      [{ server: 'https://a:6443', clusterInit: true }, /pass only one/],
      [{ clusterResetRestorePath: '/tmp/x' }, /--cluster-reset-restore-path needs --cluster-reset/],
      [{ clusterReset: true, clusterResetRestorePath: '/nonexistent/snap' }, /--cluster-reset-restore-path: \/nonexistent\/snap does not exist/],
      [{ clusterReset: true }, /holds no etcd member to reset/],
      [{ clusterInit: true, etcdClientPort: '0' }, /--etcd-client-port: "0" is not a port/],
      [{ clusterInit: true, etcdPeerPort: '2379' }, /must all differ/],
    ] as const) {
      assert.throws(() => resolveServerConfig({ ...base, ...flags }, root), re, JSON.stringify(flags));
    }
  });
});
