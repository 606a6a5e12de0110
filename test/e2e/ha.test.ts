// Two `k3ts server` processes on one external datastore (PostgreSQL, then etcd), an agent joined
// through the first: the shape of seed 001's external-datastore HA. The first server is then killed (SIGKILL, no goodbye) and the
// cluster must go on through the second: its controllers and scheduler take over, the agent fails
// over, and a new Deployment's pods run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess } from '../durability/k3ts-process.js';
import { PostgresServer, postgresSkipReason } from '../support/postgres-server.js';
import { TestEtcd, etcdSkipReason } from '../../src/storage/etcd/test-etcd.js';
import { eventually } from '../support/eventually.js';
import { AgentProcess } from './agent-process.js';
import { kubectls } from './harness.js';

const kubectl = kubectls[0]!.bin;
const TOKEN = 'ha-e2e-shared-secret-5d1f';
// Short leases so the test waits seconds, not upstream's 15 s.
const leaderFlags = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'];

function run(kubeconfig: string, server: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectl, ['--kubeconfig', kubeconfig, '--server', server, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function json(kubeconfig: string, server: string, args: string[]): Promise<Record<string, any>> {
  const r = await run(kubeconfig, server, [...args, '-o', 'json']);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, any>;
}

interface Datastore {
  url: string;
  stop(): Promise<void>;
}

const datastores: Array<{ name: string; skip: string | undefined; start(): Promise<Datastore> }> = [
  {
    name: 'PostgreSQL',
    skip: postgresSkipReason(),
    async start() {
      const pg = await PostgresServer.start();
      const db = await pg.database();
      return { url: db.url, stop: async () => (await db.drop(), await pg.stop()) };
    },
  },
  {
    name: 'etcd',
    skip: etcdSkipReason(),
    async start() {
      const etcd = await TestEtcd.start();
      return { url: etcd.endpoint, stop: () => etcd.stop() };
    },
  },
];

for (const store of datastores) describe(`two servers on one ${store.name}`, { skip: store.skip, timeout: 180_000 }, () => {
  let db: Datastore;
  let root: string;
  let s1: K3tsProcess;
  let s2: K3tsProcess;
  let agent: AgentProcess | undefined;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-ha-'));
    db = await store.start();
    const args = ['--datastore-endpoint', db.url, '--token', TOKEN, ...leaderFlags];
    for (const s of ['s1', 's2']) mkdirSync(join(root, s));
    s1 = await K3tsProcess.start({ root: join(root, 's1'), extraArgs: args });
    // The first server leads before the second exists, so killing it later tests a takeover.
    await eventually(() => /leading kube-controller-manager/.test(s1.log) && /leading kube-scheduler/.test(s1.log), 15_000, 'server 1 leads');
    s2 = await K3tsProcess.start({ root: join(root, 's2'), extraArgs: args });
  });

  after(async () => {
    await agent?.stop();
    await s1?.stop();
    await s2?.stop();
    await db?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('the second server serves the same cluster: same CA, and either kubeconfig works on either server', async () => {
    assert.equal(s2.credentials().ca, s1.credentials().ca);
    assert.match(s2.log, /took the cluster certificates and keys from the datastore/);
    const r = await run(s1.kubeconfig, s2.url, ['get', 'namespaces', 'kube-system', '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'namespace/kube-system');
    const token1 = readFileSync(join(s1.dataDir, 'server', 'token'), 'utf8');
    assert.equal(readFileSync(join(s2.dataDir, 'server', 'token'), 'utf8'), token1, 'one join token for the cluster');
    // A pod's token from one server is good on the other (one signing key for the cluster).
    const token = await run(s1.kubeconfig, s1.url, ['create', 'token', 'default', '-n', 'default']);
    assert.equal(token.code, 0, token.stderr);
    const ca = join(s1.dataDir, 'server', 'tls', 'server-ca.crt');
    const review = await run('/dev/null', s2.url, ['--certificate-authority', ca, '--token', token.stdout.trim(), 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(review.code, 0, review.stderr);
    assert.equal(review.stdout, 'system:serviceaccount:default:default');
  });

  it('the kubernetes Endpoints list both servers; one leader each for controllers and scheduler', async () => {
    await eventually(async () => {
      const ep = await json(s1.kubeconfig, s1.url, ['get', 'endpoints', 'kubernetes', '-n', 'default']);
      const ports = (ep.subsets ?? []).flatMap((s: any) => s.ports.map((p: any) => p.port)).sort();
      return JSON.stringify(ports) === JSON.stringify([s1.port, s2.port].sort());
    }, 20_000, 'both servers in the kubernetes Endpoints');
    for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
      const l = await json(s2.kubeconfig, s2.url, ['get', 'lease', lease, '-n', 'kube-system']);
      assert.ok(l.spec.holderIdentity, `${lease} is held`);
    }
    assert.doesNotMatch(s2.log, /leading kube-controller-manager/, 'the second server waits');
  });

  it('when the first server dies, the second takes over: the agent stays Ready and new pods run', async () => {
    agent = new AgentProcess({ server: s1.url, token: readFileSync(join(s1.dataDir, 'server', 'token'), 'utf8').trim(), nodeName: 'ha-worker' });
    await eventually(async () => {
      const n = await json(s2.kubeconfig, s2.url, ['get', 'node', 'ha-worker']).catch(() => undefined);
      return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    }, 30_000, 'the agent is Ready');
    // The agent learns the second server from the Endpoints before the first goes away.
    await eventually(() => readFileSync(join(agent!.dataDir, 'agent', 'servers.json'), 'utf8').includes(`:${s2.port}`), 20_000, 'the agent knows server 2');

    s1.signal('SIGKILL');
    await s1.exited;
    const killedAt = Date.now();
    await eventually(() => /leading kube-controller-manager/.test(s2.log) && /leading kube-scheduler/.test(s2.log), 15_000, 'server 2 leads');
    const takeover = Date.now() - killedAt;

    const created = await run(s2.kubeconfig, s2.url, ['create', 'deployment', 'after-failover', '--image=busybox', '--replicas=2', '--', 'sleep', '3600']);
    assert.equal(created.code, 0, created.stderr);
    await eventually(async () => {
      const pods = await json(s2.kubeconfig, s2.url, ['get', 'pods', '-l', 'app=after-failover']);
      return pods.items.length === 2 && pods.items.every((p: any) => p.spec.nodeName === 'ha-worker' && p.status.phase === 'Running');
    }, 40_000, 'the Deployment runs on the agent through server 2');
    const node = await json(s2.kubeconfig, s2.url, ['get', 'node', 'ha-worker']);
    assert.ok(node.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'), 'the node never went NotReady');
    const logs = await run(s2.kubeconfig, s2.url, ['logs', '-l', 'app=after-failover', '--tail=1']);
    assert.equal(logs.code, 0, `kubectl logs through the surviving server: ${logs.stderr}`);
    assert.ok(takeover < 10_000, `takeover took ${takeover} ms (lease 4 s, retry 1 s)`);
  });
});
