// Nodes joining, and every refusal the issue names, with the real agent process and real kubectl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { TestServer, expectError, expectOk, repoRoot } from './harness.js';
import { AgentProcess } from './agent-process.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function k3ts(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(join(repoRoot, 'bin', 'k3ts'), args, { timeout: 30_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** A kubeconfig that authenticates with a node's own client certificate, as the agent does. */
function nodeKubeconfig(server: TestServer, agent: AgentProcess): string {
  const b64 = (f: string) => readFileSync(join(agent.dataDir, 'agent', f)).toString('base64');
  const path = join(server.root, `node-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: server.url, 'certificate-authority-data': b64('server-ca.crt') } }],
      users: [{ name: 'node', user: { 'client-certificate-data': b64('client-kubelet.crt'), 'client-key-data': b64('client-kubelet.key') } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'node' } }],
      'current-context': 'c',
    }),
  );
  return path;
}

describe('joining nodes', { timeout: 240_000 }, () => {
  let a: TestServer;
  let b: TestServer;
  const agents: AgentProcess[] = [];
  const agent = (args: ConstructorParameters<typeof AgentProcess>[0]) => {
    const p = new AgentProcess(args);
    agents.push(p);
    return p;
  };
  // kubectl wait fails at once on a node that is not registered yet: wait for it to exist first.
  const waitReady = async (name: string) => {
    for (let i = 0; i < 100 && (await a.kubectl(['get', 'node', name])).code !== 0; i++) await sleep(200);
    expectOk(await a.kubectl(['wait', '--for=condition=Ready', `node/${name}`, '--timeout=60s'], { timeoutMs: 70_000 }));
  };

  before(async () => {
    [a, b] = await Promise.all([TestServer.start(), TestServer.start()]);
  });
  after(async () => {
    for (const p of agents) await p.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test('an agent joins with the server token; its node is Ready and uses only its node certificate', async () => {
    const w1 = agent({ server: a.url, token: a.serverToken, nodeName: 'worker-1', nodeIp: '127.0.0.21' });
    await waitReady('worker-1');
    const wide = expectOk(await a.kubectl(['get', 'node', 'worker-1', '-o', 'wide']));
    assert.match(wide, /worker-1\s+Ready\s+<none>\s+\S+\s+v1\.32\.0\+k3ts\s+127\.0\.0\.21/);
    const secret = expectOk(await a.kubectl(['get', 'secret', '-n', 'kube-system', 'worker-1.node-password.k3ts', '-o', 'jsonpath={.type}']));
    assert.equal(secret, 'k3ts.io/node-password');
    const who = expectOk(await a.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}'], { kubeconfig: nodeKubeconfig(a, w1) }));
    assert.match(who, /^system:node:worker-1 .*system:nodes/);
  });

  test('a wrong token is refused with what to use instead', async () => {
    const hash = /^K10([0-9a-f]{64})::/.exec(a.serverToken)![1];
    const p = agent({ server: a.url, token: `K10${hash}::server:not-the-password`, nodeName: 'intruder' });
    assert.equal(await p.exitCode(), 1);
    assert.match(p.output, /the token is not valid for this cluster/);
    expectError(await a.kubectl(['get', 'node', 'intruder']), 'nodes "intruder" not found');
  });

  test("a K10 token of another cluster stops at the CA check, before any secret is sent", async () => {
    const p = agent({ server: a.url, token: b.serverToken, nodeName: 'lost-node' });
    assert.equal(await p.exitCode(), 1);
    assert.match(p.output, /not the cluster this token belongs to/);
    assert.match(p.output, /reinstalled/);
    assert.match(p.output, /Nothing secret was sent/);
    expectError(await a.kubectl(['get', 'secret', '-n', 'kube-system', 'lost-node.node-password.k3ts']), 'not found');
  });

  test('join tokens: created with a TTL, listed, refused once expired or deleted, accepted while valid', async () => {
    const kc = ['--kubeconfig', a.kubeconfig];
    const shortLived = await k3ts(['token', 'create', '--ttl', '2s', ...kc]);
    assert.equal(shortLived.code, 0, shortLived.out);
    const expiring = shortLived.out.trim();
    assert.match(expiring, /^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const deleted = (await k3ts(['token', 'create', '--description', 'to be deleted', ...kc])).out.trim();
    const good = (await k3ts(['token', 'create', '--ttl', '1h', '--description', 'rack 2 workers', ...kc])).out.trim();
    const id = (t: string) => /::([a-z0-9]{6})\./.exec(t)![1]!;
    const list = await k3ts(['token', 'list', ...kc]);
    assert.match(list.out, new RegExp(`${id(good)}\\s+(59m|1h)\\s+\\S+\\s+rack 2 workers`));
    assert.match(list.out, new RegExp(`${id(deleted)}\\s+23h`));
    const del = await k3ts(['token', 'delete', id(deleted), ...kc]);
    assert.match(del.out, new RegExp(`join token "${id(deleted)}" deleted`));
    assert.doesNotMatch((await k3ts(['token', 'list', ...kc])).out, new RegExp(id(deleted)));
    const again = await k3ts(['token', 'delete', id(deleted), ...kc]);
    assert.equal(again.code, 1);
    assert.match(again.out, /does not exist/);

    await sleep(2500);
    const late = agent({ server: a.url, token: expiring, nodeName: 'late-node' });
    assert.equal(await late.exitCode(), 1);
    assert.match(late.output, new RegExp(`join token "${id(expiring)}" has expired; create a new one with "k3ts token create"`));
    const gone = agent({ server: a.url, token: deleted, nodeName: 'gone-node' });
    assert.equal(await gone.exitCode(), 1);
    assert.match(gone.output, new RegExp(`join token "${id(deleted)}" does not exist`));

    agent({ server: a.url, token: good, nodeName: 'worker-2', nodeIp: '127.0.0.22' });
    await waitReady('worker-2');
  });

  test('a second machine cannot take a joined name; after kubectl delete node it can', async () => {
    const impostor = agent({ server: a.url, token: a.serverToken, nodeName: 'worker-1', nodeIp: '127.0.0.23' });
    assert.equal(await impostor.exitCode(), 1);
    assert.match(impostor.output, /node "worker-1" is already registered by another machine/);
    assert.match(impostor.output, /kubectl delete node worker-1/);

    await agents[0]!.stop({ cleanup: false });
    expectOk(await a.kubectl(['delete', 'node', 'worker-1']));
    // The password secret goes with the node.
    for (let i = 0; i < 50; i++) {
      if ((await a.kubectl(['get', 'secret', '-n', 'kube-system', 'worker-1.node-password.k3ts'])).code !== 0) break;
      await sleep(200);
    }
    agent({ server: a.url, token: a.serverToken, nodeName: 'worker-1', nodeIp: '127.0.0.23' });
    await waitReady('worker-1');
    assert.match(expectOk(await a.kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={.status.addresses[0].address}'])), /127\.0\.0\.23/);
  });

  test('a node certificate may write its own Node but not another node, nor read every Secret', async () => {
    const w2 = agents.find((p) => p.output.includes('worker-2') && p.dataDir)!;
    const kubeconfig = nodeKubeconfig(a, w2);
    expectOk(await a.kubectl(['label', 'node', 'worker-2', 'rack=r2'], { kubeconfig }));
    expectError(
      await a.kubectl(['label', 'node', 'worker-1', 'rack=r2'], { kubeconfig }),
      /Error from server \(Forbidden\): nodes "worker-1" is forbidden: User "system:node:worker-2" cannot patch resource "nodes" in API group "" at the cluster scope: node 'worker-2' cannot modify node 'worker-1'/,
    );
    expectError(await a.kubectl(['get', 'secrets', '-A'], { kubeconfig }), /Error from server \(Forbidden\): secrets is forbidden: User "system:node:worker-2" cannot list resource "secrets"/);
    // Labels that steer workloads, and taints, are the cluster admin's, not the node's.
    expectError(
      await a.kubectl(['label', 'node', 'worker-2', 'node-restriction.kubernetes.io/trusted=yes'], { kubeconfig }),
      /nodes "worker-2" is forbidden: node "worker-2" is not allowed to modify labels: node-restriction\.kubernetes\.io\/trusted/,
    );
    expectError(await a.kubectl(['label', 'node', 'worker-2', 'node-role.kubernetes.io/control-plane='], { kubeconfig }), /not allowed to modify labels: node-role\.kubernetes\.io\/control-plane/);
    expectError(await a.kubectl(['taint', 'node', 'worker-2', 'dedicated=me:NoSchedule'], { kubeconfig }), /node "worker-2" is not allowed to modify taints/);
    expectOk(await a.kubectl(['label', 'node', 'worker-2', 'node.kubernetes.io/rack=r2', 'topology.kubernetes.io/zone=z1'], { kubeconfig }));
    expectOk(await a.kubectl(['label', 'node', 'worker-2', 'node-restriction.kubernetes.io/trusted=yes']));
    expectError(await a.kubectl(['create', 'namespace', 'mine'], { kubeconfig }), /Forbidden/);
    expectError(await a.kubectl(['delete', 'node', 'worker-1'], { kubeconfig }), /Forbidden/);
  });

  test('a server stopping with agents connected exits within 2 s and tells each agent, which fails over', async () => {
    const w = agent({ server: b.url, token: b.serverToken, nodeName: 'b-worker', nodeIp: '127.0.0.31' });
    await w.waitForOutput(/tunnel connected/, 20_000);
    // An idle keep-alive connection and an open watch must not hold the server either.
    const watch = b.background(['get', 'configmaps', '-A', '--watch']);
    await sleep(500);
    const started = performance.now();
    await b.stop();
    const tookMs = performance.now() - started;
    assert.ok(tookMs < 2000, `the server took ${Math.round(tookMs)} ms to exit`);
    await w.waitForOutput(/server is shutting down, reconnecting/, 5000);
    await watch.stop();
  });
});
