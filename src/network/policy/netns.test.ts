// NetworkPolicy enforced for real, inside network namespaces this test makes: a "node" namespace
// with a bridge (10.42.7.1/24) and three "pod" namespaces on it, each running a tiny TCP server.
// Only these namespaces are touched: every command runs through `ip netns exec`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { KObject } from '../../registry/types.js';
import { MemoryInformer } from '../../client/informer.js';
import { mustRun, runCommand, runInNetns } from '../host-command.js';
import { startNetworkPolicy, type NetworkPolicyHandle } from './applier.js';

function skipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (process.getuid?.() !== 0) return 'needs root (creates network namespaces, a bridge and iptables rules inside them)';
  for (const bin of ['ip', 'iptables', 'iptables-save', 'iptables-restore', 'sysctl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (apt-get install iptables iproute2 procps)`;
  }
  return undefined;
}

const tag = `k3ts-tnp-${process.pid.toString(36)}`;
const NODE_NS = `${tag}-node`;
const NODE = 'tnp-node';
const PORT = 8080;
const pods = {
  a: { ip: '10.42.7.10', labels: { app: 'a' } },
  b: { ip: '10.42.7.11', labels: { app: 'b', role: 'client' } },
  c: { ip: '10.42.7.12', labels: { app: 'c', role: 'other' } },
} as const;
type PodName = keyof typeof pods;
const podNs = (p: PodName) => `${tag}-${p}`;

const run = runCommand;
const inNode = runInNetns(NODE_NS);
const servers: ChildProcess[] = [];

const SERVER = `require('net').createServer((c) => c.end(process.env.NAME)).listen(${PORT}, '0.0.0.0', () => console.log('listening'))`;
const CLIENT = `const [host, port, ms] = process.argv.slice(1);
const s = require('net').connect({ host, port: Number(port), timeout: Number(ms) });
s.on('data', (d) => { console.log('ok:' + d); process.exit(0); });
s.on('timeout', () => { console.log('timeout'); process.exit(2); });
s.on('error', (e) => { console.log('error:' + e.code); process.exit(3); });`;

/** Whether `from` gets an answer from `to` within `ms` (a dropped SYN shows as a timeout). */
async function connects(from: PodName, to: PodName, ms = 600): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', podNs(from), process.execPath, '-e', CLIENT, pods[to].ip, String(PORT), String(ms)]);
  return r.code === 0 && r.stdout.trim() === `ok:${to}`;
}

async function until(what: string, cond: () => Promise<boolean>, withinMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > withinMs) assert.fail(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** iptables-save of the node namespace without comments and counters, for before/after comparison. */
async function savedFilter(): Promise<string> {
  const out = await mustRun(inNode, 'iptables-save', ['-t', 'filter']);
  return out.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '[0:0]')).join('\n');
}

const ownChains = async () => (await savedFilter()).split('\n').filter((l) => l.startsWith(':K3TS-NP-')).length;

function podObject(name: PodName): KObject {
  const p = pods[name];
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { ...p.labels } }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running', podIP: p.ip } };
}

const policy = (name: string, spec: Record<string, unknown>): KObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'default' }, spec,
});

async function setUp(): Promise<void> {
  await mustRun(run, 'ip', ['netns', 'add', NODE_NS]);
  await mustRun(inNode, 'ip', ['link', 'set', 'lo', 'up']);
  await mustRun(inNode, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
  await mustRun(inNode, 'ip', ['addr', 'add', '10.42.7.1/24', 'dev', 'br0']);
  await mustRun(inNode, 'ip', ['link', 'set', 'br0', 'up']);
  for (const name of Object.keys(pods) as PodName[]) {
    const ns = podNs(name);
    const inPod = runInNetns(ns);
    await mustRun(run, 'ip', ['netns', 'add', ns]);
    // Both ends are created straight inside our namespaces, so no name ever appears on the host.
    await mustRun(run, 'ip', ['link', 'add', `veth-${name}`, 'netns', NODE_NS, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await mustRun(inNode, 'ip', ['link', 'set', `veth-${name}`, 'master', 'br0', 'up']);
    await mustRun(inPod, 'ip', ['link', 'set', 'lo', 'up']);
    await mustRun(inPod, 'ip', ['addr', 'add', `${pods[name].ip}/24`, 'dev', 'eth0']);
    await mustRun(inPod, 'ip', ['link', 'set', 'eth0', 'up']);
    await mustRun(inPod, 'ip', ['route', 'add', 'default', 'via', '10.42.7.1']);
    const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER], { env: { ...process.env, NAME: name }, stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`server in ${ns} exited (${code})`)));
      server.stdout!.once('data', () => resolve());
    });
  }
}

async function tearDown(): Promise<void> {
  for (const s of servers) if (s.pid !== undefined && s.exitCode === null) s.kill('SIGKILL');
  for (const name of [...(Object.keys(pods) as PodName[]).map(podNs), NODE_NS]) await run('ip', ['netns', 'del', name]);
}

describe('NetworkPolicy in network namespaces', { skip: skipReason() ?? false, timeout: 60_000 }, () => {
  const podInformer = new MemoryInformer<KObject>((Object.keys(pods) as PodName[]).map(podObject));
  const nsInformer = new MemoryInformer<KObject>([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }]);
  const policies = new MemoryInformer<KObject>([]);
  let handle: NetworkPolicyHandle | undefined;
  let before_ = '';
  const logged: string[] = [];

  before(async () => {
    await setUp();
    // Someone else's rules in the same table, which must survive untouched.
    await mustRun(inNode, 'iptables', ['-N', 'SOMEONE-ELSE']);
    await mustRun(inNode, 'iptables', ['-A', 'SOMEONE-ELSE', '-s', '10.99.0.0/16', '-j', 'RETURN']);
    await mustRun(inNode, 'iptables', ['-A', 'FORWARD', '-j', 'SOMEONE-ELSE']);
    // Off, so the test sees the applier turn it on.
    await mustRun(inNode, 'sysctl', ['-w', 'net.bridge.bridge-nf-call-iptables=0']);
    before_ = await savedFilter();
  });

  after(async () => {
    await handle?.stop();
    await tearDown();
  });

  it('with no policy every pod reaches every other', async () => {
    handle = startNetworkPolicy({
      pods: podInformer, namespaces: nsInformer, policies, nodeName: NODE, podCidr: '10.42.7.0/24',
      run: inNode, log: (msg) => logged.push(msg), resyncMs: 400, coalesceMs: 20,
    });
    await handle.synced;
    assert.equal((await mustRun(inNode, 'sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables'])).trim(), '1');
    for (const [from, to] of [['a', 'b'], ['b', 'a'], ['c', 'a'], ['b', 'c']] as const) assert.ok(await connects(from, to), `${from} → ${to}`);
  });

  it('deny-all ingress on a: b cannot reach a, a still reaches b', async () => {
    policies.set(policy('deny-a', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress'] }));
    await until('b → a blocked', async () => !(await connects('b', 'a', 300)), 1500);
    const started = Date.now();
    assert.equal(await connects('c', 'a', 500), false);
    assert.ok(Date.now() - started < 2000, 'a blocked connection gives up within a short bound');
    assert.ok(await connects('a', 'b'), 'a → b (a is isolated for ingress only; the reply is established traffic)');
    assert.ok(await connects('b', 'c'), 'pods no policy selects are unaffected');
  });

  it('ingress from role=client only: b connects, c does not', async () => {
    policies.set(policy('deny-a', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: PORT }] }] }));
    await until('b → a allowed', () => connects('b', 'a', 300), 1500);
    assert.equal(await connects('c', 'a'), false, 'c → a');
  });

  it('a rule or jump removed behind its back comes back on resync', async () => {
    const jump = '-A FORWARD -j K3TS-NP-FORWARD';
    await mustRun(inNode, 'iptables', ['-D', 'FORWARD', '-j', 'K3TS-NP-FORWARD']);
    await mustRun(inNode, 'iptables', ['-F', 'K3TS-NP-FORWARD']);
    await until('jump and dispatch rules back', async () => {
      const save = await savedFilter();
      return save.includes(jump) && save.includes('-A K3TS-NP-FORWARD -d 10.42.7.10/32');
    }, 2000);
    const save = await savedFilter();
    assert.equal(save.split('\n').filter((l) => l === jump).length, 1, save);
    assert.ok(save.indexOf(jump) < save.indexOf('-A FORWARD -j SOMEONE-ELSE'), 'our jump comes first');
    assert.equal(await connects('c', 'a'), false, 'c → a blocked again');
  });

  it('egress: b may only reach c', async () => {
    policies.set(policy('b-out', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'c' } } }] }] }));
    await until('b → a blocked by egress', async () => !(await connects('b', 'a', 300)), 1500);
    assert.ok(await connects('b', 'c'), 'b → c');
    assert.ok(await connects('a', 'b'), 'ingress to b is not restricted by an egress policy');
  });

  it('removing the policies restores access within 1 s', async () => {
    const t0 = Date.now();
    for (const p of policies.list()) policies.delete(p);
    await until('pod chains gone', async () => (await ownChains()) === 1, 1000);
    assert.ok(Date.now() - t0 <= 1000);
    for (const [from, to] of [['b', 'a'], ['c', 'a'], ['b', 'a']] as const) assert.ok(await connects(from, to), `${from} → ${to}`);
  });

  it('stop() leaves the filter table as it was', async () => {
    policies.set(policy('deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    await until('chains written', async () => (await ownChains()) > 1, 1500);
    await handle!.stop();
    handle = undefined;
    assert.equal(await savedFilter(), before_);
    assert.ok(await connects('b', 'a'));
    assert.deepEqual(logged, []);
  });
});
