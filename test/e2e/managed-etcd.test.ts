// Three `k3ts server`s on managed etcd, each on its own loopback address (127.0.0.2-4; free ports,
// never 127.0.0.1's 2379/2380), and one agent: seed 000's embedded-etcd HA shape. The first server
// (etcd's first member and the controllers' leader) is killed with SIGKILL while 32 writers create
// ConfigMaps; the other two must serve kubectl within 10 s, take the controllers over, and hold every
// write that was acknowledged, checked object by object (name and uid). Then a snapshot is taken,
// the etcd data wiped on every server, and the snapshot restored with --cluster-reset: every object
// is back, and what was written after the snapshot is not.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess, httpsRequest, type AdminCredentials } from '../durability/k3ts-process.js';
import { etcdSkipReason } from '../../src/storage/etcd/test-etcd.js';
import { EtcdAdmin } from '../../src/storage/etcd/etcd-admin.js';
import { loadTlsMaterial } from '../../src/storage/etcd/tls-files.js';
import { eventually } from '../support/eventually.js';
import { AgentProcess } from './agent-process.js';
import { kubectls, repoRoot } from './harness.js';
import { freePort } from '../support/db-process.js';
import { processGone } from '../support/process-gone.js';

const kubectl = kubectls[0]!.bin;
const TOKEN = 'managed-etcd-e2e-secret-7c2a';
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const WRITERS = 32;
const leaderFlags = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let kubeCache = '';


function run(kubeconfig: string, server: string, args: string[], timeout = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectl, ['--kubeconfig', kubeconfig, '--server', server, ...args], { timeout, env: { ...process.env, KUBECACHEDIR: kubeCache } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function k3ts(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(join(repoRoot, 'bin', 'k3ts'), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}


interface Member {
  host: string;
  root: string;
  port: number;
  etcdArgs: string[];
  proc?: K3tsProcess;
}

async function listConfigMaps(url: string, creds: AdminCredentials, namespace: string): Promise<Map<string, string>> {
  const r = await httpsRequest({ url: `${url}/api/v1/namespaces/${namespace}/configmaps`, creds, timeoutMs: 30_000 });
  assert.equal(r.status, 200, r.body.toString());
  const items = (JSON.parse(r.body.toString()) as { items: Array<{ metadata: { name: string; uid: string } }> }).items;
  return new Map(items.map((i) => [i.metadata.name, i.metadata.uid]));
}

describe('three servers on managed etcd', { skip: etcdSkipReason(), timeout: 240_000 }, () => {
  let root: string;
  const members: Member[] = [];
  let agent: AgentProcess | undefined;
  let creds: AdminCredentials;
  /** name → uid of every ConfigMap a server acknowledged (201). */
  const acked = new Map<string, string>();

  const start = async (m: Member, extra: string[]) => {
    m.proc = await K3tsProcess.start({ root: m.root, host: m.host, port: m.port, readyTimeoutMs: 90_000, extraArgs: ['--token', TOKEN, ...leaderFlags, ...m.etcdArgs, ...extra] });
    return m.proc;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-managed-etcd-'));
    kubeCache = join(root, 'kubecache');
    for (const host of HOSTS) {
      const dir = join(root, host);
      mkdirSync(dir);
      // Distinct node names: a member is named after its server's node (and removed with it).
      const nodeName = `srv-${members.length + 1}`;
      members.push({ host, root: dir, port: await freePort(host), etcdArgs: ['--node-name', nodeName, '--etcd-client-port', String(await freePort(host)), '--etcd-peer-port', String(await freePort(host))] });
    }
    const s1 = await start(members[0]!, ['--cluster-init']);
    creds = s1.credentials();
    await eventually(() => /leading kube-controller-manager/.test(s1.log) && /leading kube-scheduler/.test(s1.log), 20_000, 'server 1 leads');
    // One at a time, as etcd takes one learner at a time (a second joiner would wait and retry).
    for (const m of members.slice(1)) await start(m, ['--server', s1.url]);
  });

  after(async () => {
    await agent?.stop();
    for (const m of members) await m.proc?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('the joiners became voting etcd members of one cluster; the second join was warned about as even', async () => {
    const [s1, s2, s3] = members.map((m) => m.proc!);
    for (const s of [s2!, s3!]) {
      assert.match(s.log, /this etcd member is now a voting member/);
      assert.equal(s.credentials().ca, creds.ca, 'the same cluster CA');
    }
    assert.match(s1!.log, /etcd now has 2 members, an even number: a write needs 2 of them/);
    assert.match(s3!.log, /managed etcd is serving .*members=3 started=joined/);
    assert.doesNotMatch(s3!.log, /even number/);
    // etcd listens where it was told: the member's own address, not 127.0.0.1.
    assert.match(readFileSync(join(s2!.dataDir, 'server', 'db', 'etcd-endpoint'), 'utf8'), /^https:\/\/127\.0\.0\.3:\d+/);
    await eventually(async () => {
      const ep = JSON.parse((await run(s1!.kubeconfig, s3!.url, ['get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'json'])).stdout || '{}');
      const ips = (ep.subsets ?? []).flatMap((s: any) => s.addresses.map((a: any) => a.ip)).sort();
      return JSON.stringify(ips) === JSON.stringify(HOSTS);
    }, 20_000, 'every server in the kubernetes Endpoints');
  });

  it('a server with a wrong token is refused before it runs etcd or touches the datastore', async () => {
    const dir = join(root, 'intruder');
    const r = await k3ts(['server', '--data-dir', dir, '--server', members[0]!.proc!.url, '--token', 'not-the-token', '--bind-address', '127.0.0.5', '--advertise-address', '127.0.0.5', '--https-listen-port', String(await freePort('127.0.0.5')), '--etcd-client-port', String(await freePort('127.0.0.5')), '--etcd-peer-port', String(await freePort('127.0.0.5')), '--disable-agent', '--write-kubeconfig', join(dir, 'kc')]);
    assert.equal(r.code, 1);
    assert.match(r.out, /k3ts: server failed to start: .* refused to let this server join: a server joins with the server token/);
    assert.ok(!existsSync(join(dir, 'server', 'db', 'etcd')), 'no etcd data dir');
    assert.ok(!existsSync(join(dir, 'server', 'tls')), 'no certificates');
    assert.ok(!existsSync(join(dir, 'server', 'db', 'etcd-member-name')), 'no member name kept');
  });

  it('one line for what cannot start: no etcd binary, --cluster-init with an external datastore', async () => {
    const dir = join(root, 'no-etcd');
    const args = ['server', '--data-dir', dir, '--cluster-init', '--bind-address', '127.0.0.5', '--advertise-address', '127.0.0.5', '--https-listen-port', String(await freePort('127.0.0.5')), '--disable-agent', '--write-kubeconfig', join(dir, 'kc')];
    const missing = await k3ts(args, { K3TS_ETCD_BIN: join(dir, 'no-such-etcd') });
    assert.equal(missing.code, 1);
    assert.equal(missing.out.trim(), `k3ts: server failed to start: managed etcd needs ${join(dir, 'no-such-etcd')}, which is not installed: apt-get install etcd-server`);
    const both = await k3ts([...args, '--datastore-endpoint', 'http://127.0.0.1:1']);
    assert.equal(both.code, 1);
    assert.equal(both.out.trim(), 'k3ts: --cluster-init starts a managed etcd and cannot be combined with --datastore-endpoint (an external datastore): drop one of them');
  });

  it('kill -9 of the leading server under 32 writers: kubectl works through another within 10 s, controllers resume, no acknowledged write is lost', async () => {
    const [m1, m2, m3] = members;
    const s1 = m1!.proc!;
    const s2 = m2!.proc!;
    const s3 = m3!.proc!;
    agent = new AgentProcess({ server: s1.url, token: readFileSync(join(s1.dataDir, 'server', 'token'), 'utf8').trim(), nodeName: 'etcd-worker', nodeIp: '127.0.0.9' });
    await eventually(async () => {
      const r = await run(s1.kubeconfig, s2.url, ['get', 'node', 'etcd-worker', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === 'True';
    }, 40_000, 'the agent is Ready');
    await eventually(() => [s2, s3].every((s) => readFileSync(join(agent!.dataDir, 'agent', 'servers.json'), 'utf8').includes(`${s.host}:${s.port}`)), 20_000, 'the agent knows servers 2 and 3');
    assert.equal((await run(s1.kubeconfig, s1.url, ['create', 'namespace', 'load'])).code, 0);

    let live = [s1, s2, s3];
    let killedAt = 0;
    /** When the killed server's etcd was gone: acks of requests sent before may come from it. */
    let etcdGoneAt = 0;
    let firstAckAfterKill = 0;
    let stop = false;
    let failures = 0;
    const agents = new Map(live.map((s) => [s.url, new Agent({ keepAlive: true, maxSockets: WRITERS })]));
    /** The new ConfigMap's uid when acknowledged; undefined when answered otherwise; throws when unanswered. */
    const create = async (url: string, name: string, data: Record<string, string>, agent: Agent, timeoutMs: number): Promise<string | undefined> => {
      const r = await httpsRequest({
        url: `${url}/api/v1/namespaces/load/configmaps`,
        creds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }),
        agent,
        timeoutMs,
      });
      return r.status === 201 ? (JSON.parse(r.body.toString()) as { metadata: { uid: string } }).metadata.uid : undefined;
    };
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const server = live[(w + n) % live.length]!;
        const name = `w${w}-${n}`;
        const sentAt = Date.now();
        try {
          const uid = await create(server.url, name, { writer: String(w), n: String(n) }, agents.get(server.url)!, 15_000);
          if (uid) {
            acked.set(name, uid);
            if (etcdGoneAt && sentAt >= etcdGoneAt && !firstAckAfterKill) firstAckAfterKill = Date.now();
          } else failures++;
        } catch {
          // Not acknowledged (connection refused or cut): it may or may not have been written.
          failures++;
          await sleep(50);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await sleep(3000);
    const beforeKill = acked.size;
    assert.ok(beforeKill > 0, 'writes go through before the kill');

    // Whether the killed server's etcd was the raft leader (it is unless an election happened):
    // reported, since the failover time then includes electing a new one.
    const paths = (dir: string) => ({ caFile: join(dir, 'server/tls/etcd/server-ca.crt'), certFile: join(dir, 'server/tls/etcd/member.crt'), keyFile: join(dir, 'server/tls/etcd/member.key') });
    const admin = new EtcdAdmin(readFileSync(join(s2.dataDir, 'server/db/etcd-endpoint'), 'utf8').trim(), loadTlsMaterial(paths(s2.dataDir)));
    const leader = (await admin.status()).leader;
    const leaderURL = (await admin.memberList()).find((m) => m.ID === leader)?.clientURLs[0] ?? '?';
    admin.close();
    const raftLeaderKilled = leaderURL.startsWith(`https://${m1!.host}:`);

    const etcdOfS1 = (JSON.parse(readFileSync(join(s1.dataDir, 'server', 'db', 'etcd.pid'), 'utf8')) as { pid: number }).pid;
    s1.signal('SIGKILL');
    killedAt = Date.now();
    live = [s2, s3];
    // The etcd child dies with its server (pdeathsig), once the kernel has torn the server down.
    while (!processGone(etcdOfS1) && Date.now() - killedAt < 5000) await sleep(5);
    assert.ok(processGone(etcdOfS1), 'the killed server\'s etcd is gone');
    etcdGoneAt = Date.now();
    // A write proposed just as the raft leader died is dropped by etcd and answered only when its
    // request times out (7 s): the writers' requests in flight then may all hang that long. What a
    // user sees of the failover is when a new write goes through, so fresh creates are sent until
    // one is acknowledged, each given up after 1.5 s.
    const probeAgent = new Agent({ keepAlive: true, maxSockets: 2 });
    const probing = (async () => {
      for (let n = 0; !firstAckAfterKill && Date.now() - killedAt < 10_000; n++) {
        const server = live[n % live.length]!;
        const name = `probe-${n}`;
        try {
          const uid = await create(server.url, name, { probe: String(n) }, probeAgent, 1500);
          if (uid) {
            acked.set(name, uid);
            firstAckAfterKill ||= Date.now();
          }
        } catch {
          // Given up: it may still be written, it was never acknowledged.
        }
      }
    })();
    await s1.exited;
    // kubectl through a surviving server, timed from the kill.
    let kubectlOkAfter = Infinity;
    while (Date.now() - killedAt < 10_000) {
      const r = await run(s1.kubeconfig, s2.url, ['get', 'namespace', 'load', '-o', 'name'], 5000);
      if (r.code === 0 && r.stdout.trim() === 'namespace/load') {
        kubectlOkAfter = Date.now() - killedAt;
        break;
      }
    }
    assert.ok(kubectlOkAfter <= 10_000, 'kubectl through server 2 within 10 s of the kill');
    await sleep(Math.max(0, 6000 - (Date.now() - killedAt)));
    stop = true;
    await Promise.all([...writers, probing]);
    for (const a of [...agents.values(), probeAgent]) a.destroy();
    assert.ok(firstAckAfterKill > 0, 'writes are accepted again after the kill');
    const failover = firstAckAfterKill - killedAt;
    process.stdout.write(`# managed etcd failover: its etcd gone ${etcdGoneAt - killedAt} ms after the kill; writes accepted again ${failover} ms after the kill; kubectl ok after ${kubectlOkAfter} ms; ${acked.size} acknowledged writes (${beforeKill} before the kill), ${failures} unacknowledged; the killed server's etcd ${raftLeaderKilled ? 'was' : 'was not'} the raft leader\n`);
    // The etcd child died with its server (pdeathsig), so the cluster really lost a member.
    // No acknowledged write lost, object by object, read through each survivor.
    for (const s of [s2, s3]) {
      const stored = await listConfigMaps(s.url, creds, 'load');
      const lost = [...acked].filter(([name, uid]) => stored.get(name) !== uid);
      assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged writes missing or changed on ${s.host}`);
    }

    // Controllers and scheduler resume on a survivor and run a new Deployment on the agent.
    await eventually(() => [s2, s3].some((s) => /leading kube-controller-manager/.test(s.log)) && [s2, s3].some((s) => /leading kube-scheduler/.test(s.log)), 20_000, 'a survivor leads');
    assert.equal((await run(s1.kubeconfig, s3.url, ['create', 'deployment', 'after-failover', '--image=busybox', '--replicas=2', '--', 'sleep', '3600'])).code, 0);
    await eventually(async () => {
      const r = await run(s1.kubeconfig, s2.url, ['get', 'pods', '-l', 'app=after-failover', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}/{.status.phase} {end}']);
      const pods = r.stdout.trim().split(' ').filter(Boolean);
      return pods.length === 2 && pods.every((p) => p === 'etcd-worker/Running');
    }, 40_000, 'the Deployment runs on the agent');
    const ready = await run(s1.kubeconfig, s2.url, ['get', 'node', 'etcd-worker', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(ready.stdout, 'True', 'the agent stayed Ready');
  });

  it('deleting the dead server\'s Node removes its etcd member', async () => {
    const [m1, m2] = members;
    const s2 = m2!.proc!;
    const admin = new EtcdAdmin(readFileSync(join(s2.dataDir, 'server/db/etcd-endpoint'), 'utf8').trim(), loadTlsMaterial({ caFile: join(s2.dataDir, 'server/tls/etcd/server-ca.crt'), certFile: join(s2.dataDir, 'server/tls/etcd/member.crt'), keyFile: join(s2.dataDir, 'server/tls/etcd/member.key') }));
    try {
      const deadMember = readFileSync(join(m1!.proc!.dataDir, 'server/db/etcd-member-name'), 'utf8').trim();
      assert.ok((await admin.memberList()).some((m) => m.name === deadMember), 'the killed server is still a member');
      // Its server ran without a node of its own (--disable-agent), so the Node is made here to be deleted.
      const made = await httpsRequest({ url: `${s2.url}/api/v1/nodes`, creds, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'srv-1' } }) });
      assert.equal(made.status, 201, made.body.toString());
      assert.equal((await run(s2.kubeconfig, s2.url, ['delete', 'node', 'srv-1'])).code, 0);
      await eventually(async () => (await admin.memberList()).every((m) => m.name !== deadMember), 15_000, 'the member is removed');
      assert.equal((await admin.memberList()).length, 2);
      assert.ok([m2!, members[2]!].some((m) => m.proc!.log.includes(`removed the etcd member of a deleted node node=srv-1 member=${deadMember}`)));
    } finally {
      admin.close();
    }
  });

  it('snapshot, wipe every server\'s etcd, restore with --cluster-reset: every object is back', async () => {
    const [, m2, m3] = members;
    const s2 = m2!.proc!;
    const saved = await k3ts(['etcd-snapshot', 'save', '--data-dir', s2.dataDir, '--name', 'e2e']);
    assert.equal(saved.code, 0, saved.out);
    const snapshot = /saved (\S+)/.exec(saved.out)![1]!;
    const ls = await k3ts(['etcd-snapshot', 'ls', '--data-dir', s2.dataDir]);
    assert.match(ls.out, new RegExp(`^${snapshot.split('/').pop()} +file://${snapshot}`, 'm'));
    const before = await listConfigMaps(s2.url, creds, 'load');
    assert.ok(before.size >= acked.size);
    // Written after the snapshot: must not come back.
    assert.equal((await run(s2.kubeconfig, s2.url, ['create', 'configmap', 'after-snapshot', '-n', 'load'])).code, 0);

    for (const m of [m2!, m3!]) {
      await m.proc!.stop();
      rmSync(join(m.proc!.dataDir, 'server', 'db', 'etcd'), { recursive: true, force: true });
    }
    const reset = await k3ts(['server', '--data-dir', s2.dataDir, '--token', TOKEN, '--bind-address', m2!.host, '--advertise-address', m2!.host, '--https-listen-port', String(m2!.port), '--disable-agent', '--write-kubeconfig', s2.kubeconfig, ...m2!.etcdArgs, '--cluster-reset', `--cluster-reset-restore-path=${snapshot}`]);
    assert.equal(reset.code, 0, reset.out);
    assert.match(reset.out, /restored .* into a one-member etcd/);
    assert.equal(readdirSync(join(s2.dataDir, 'server', 'db')).filter((f) => f.startsWith('etcd-restore-')).length, 0, 'no leftover restore dir');

    const restarted = await start(m2!, []);
    const after = await listConfigMaps(restarted.url, creds, 'load');
    const missing = [...before].filter(([name, uid]) => after.get(name) !== uid);
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} objects not restored`);
    assert.equal(after.has('after-snapshot'), false, 'the restore is the snapshot, not later state');
    assert.equal(after.size, before.size);
  });
});
