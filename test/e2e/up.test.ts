// The issue's user story end to end: `k3ts up` makes a 3-node cluster of real processes, seed 002's
// workload spreads over it, and kubectl's node and rollout commands behave as on Kubernetes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kubectls, repoRoot } from './harness.js';
import { eventually, exec, k3tsBin, ok } from './cli-exec.js';
import { AgentProcess } from './agent-process.js';

const kubectl = kubectls[0]!.bin;

interface PodRow {
  name: string;
  phase: string;
  node: string;
  deleting: boolean;
}

describe('k3ts up: a local three-node cluster', { timeout: 600_000 }, () => {
  let dir: string;
  let dataDir: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  const extraAgents: AgentProcess[] = [];
  const kc = (args: string[], timeoutMs?: number) => exec(kubectl, args, env, timeoutMs);
  const pods = async (selector: string): Promise<PodRow[]> => {
    const out = ok(await kc(['get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName} {.metadata.deletionTimestamp}{"\\n"}{end}']), 'get pods');
    return out.split('\n').filter(Boolean).map((l) => {
      const [name, phase, node, deleting] = l.split(' ');
      return { name: name!, phase: phase!, node: node ?? '', deleting: !!deleting };
    });
  };
  const runningPerNode = async (selector: string) => {
    const counts: Record<string, number> = {};
    for (const p of await pods(selector)) if (p.phase === 'Running' && !p.deleting) counts[p.node] = (counts[p.node] ?? 0) + 1;
    return counts;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-up-'));
    dataDir = join(dir, 'cluster');
    port = await freePort();
    env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache') };
    const r = await exec(k3tsBin, ['up', '--agents', '2', '--data-dir', dataDir, '--port', String(port), '--runtime', 'sim', '--', '--default-unreachable-toleration-seconds', '5', '--default-not-ready-toleration-seconds', '5']);
    ok(r, 'k3ts up');
    assert.match(r.stdout, /k3ts is up: 3 node\(s\) Ready/);
    assert.match(r.stdout, /export KUBECONFIG=/);
  });

  after(async () => {
    for (const a of extraAgents) await a.stop({ cleanup: false });
    if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('3 nodes Ready with distinct names and IPs; the server is control-plane,master', async () => {
    const wide = ok(await kc(['get', 'nodes', '-o', 'wide']), 'get nodes');
    assert.match(wide, /k3ts-server\s+Ready\s+control-plane,master\s+\S+\s+v1\.32\.0\+k3ts\s+127\.0\.0\.1\s/);
    assert.match(wide, /k3ts-agent-1\s+Ready\s+<none>\s+\S+\s+v1\.32\.0\+k3ts\s+127\.0\.0\.2\s/);
    assert.match(wide, /k3ts-agent-2\s+Ready\s+<none>\s+\S+\s+v1\.32\.0\+k3ts\s+127\.0\.0\.3\s/);
    assert.match(wide, /sim:\/\//);
  });

  test("seed 002: 2 pods Running on 2 different nodes, then 6 spread 2/2/2", async () => {
    ok(await kc(['apply', '-f', join(repoRoot, 'examples', 'seed002-test.yaml')]), 'apply');
    const two = await eventually('2 Running pods', 60_000, async () => {
      const c = await runningPerNode('app=test');
      return Object.values(c).reduce((a, b) => a + b, 0) === 2 ? c : undefined;
    });
    assert.equal(Object.keys(two).length, 2, `2 pods on 2 nodes: ${JSON.stringify(two)}`);
    ok(await kc(['scale', 'deployment/test', '--replicas=6']), 'scale');
    const six = await eventually('6 Running pods', 60_000, async () => {
      const c = await runningPerNode('app=test');
      return Object.values(c).reduce((a, b) => a + b, 0) === 6 ? c : undefined;
    });
    assert.deepEqual(Object.values(six).sort(), [2, 2, 2], JSON.stringify(six));
    // The Service's Endpoints list every ready pod, each with its node's pod IP.
    const ips = ok(await kc(['get', 'endpoints', 'test', '-o', 'jsonpath={.subsets[0].addresses[*].ip}']), 'endpoints').split(' ');
    assert.equal(new Set(ips).size, 6, ips.join(' '));
    for (const ip of ips) assert.match(ip, /^10\.42\.\d+\.\d+$/);
  });

  test('cordon + drain --ignore-daemonsets moves the pods off a node', async () => {
    ok(await kc(['cordon', 'k3ts-agent-1']), 'cordon');
    ok(await kc(['drain', 'k3ts-agent-1', '--ignore-daemonsets', '--timeout=90s'], 120_000), 'drain');
    const after = await eventually('6 Running pods off k3ts-agent-1', 60_000, async () => {
      const c = await runningPerNode('app=test');
      return Object.values(c).reduce((a, b) => a + b, 0) === 6 && !c['k3ts-agent-1'] ? c : undefined;
    });
    assert.equal(after['k3ts-agent-1'], undefined);
    assert.match(ok(await kc(['get', 'node', 'k3ts-agent-1']), 'get node'), /Ready,SchedulingDisabled/);
    ok(await kc(['uncordon', 'k3ts-agent-1']), 'uncordon');
  });

  test('rollout restart + rollout status completes; rollout undo returns the previous template', async () => {
    ok(await kc(['rollout', 'restart', 'deployment/test']), 'rollout restart');
    const status = ok(await kc(['rollout', 'status', 'deployment/test', '--timeout=120s'], 150_000), 'rollout status');
    assert.match(status, /deployment "test" successfully rolled out/);
    const restarted = ok(await kc(['get', 'deployment', 'test', '-o', 'jsonpath={.spec.template.metadata.annotations}']), 'get');
    assert.match(restarted, /kubectl.kubernetes.io\/restartedAt/);
    assert.match(ok(await kc(['rollout', 'history', 'deployment/test']), 'history'), /^1\s/m);
    ok(await kc(['rollout', 'undo', 'deployment/test']), 'rollout undo');
    ok(await kc(['rollout', 'status', 'deployment/test', '--timeout=120s'], 150_000), 'rollout status after undo');
    const undone = ok(await kc(['get', 'deployment', 'test', '-o', 'jsonpath={.spec.template.metadata.annotations}']), 'get');
    assert.doesNotMatch(undone, /restartedAt/);
    assert.equal(ok(await kc(['get', 'deployment', 'test', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), 'revision'), '3');
  });

  test('a Job whose pods exit 0 completes, and its log comes back through the tunnel', async () => {
    ok(await kc(['create', 'job', 'hello', '--image=busybox', '--', 'sh', '-c', 'echo hello from $(hostname) && exit 0']), 'create job');
    ok(await kc(['wait', '--for=condition=complete', 'job/hello', '--timeout=60s'], 70_000), 'wait job');
    assert.match(ok(await kc(['get', 'job', 'hello']), 'get job'), /hello\s+Complete\s+1\/1/);
    assert.match(ok(await kc(['logs', 'job/hello']), 'logs'), /hello from/);
  });

  test("the downward API gives a container its node's name, as seed 002's app reads it", async () => {
    const container = { name: 'env', image: 'busybox', command: ['sh', '-c', 'echo running on $NODE_NAME'], env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] };
    ok(await kc(['run', 'envcheck', '--image=busybox', '--restart=Never', '--overrides', JSON.stringify({ spec: { containers: [container] } })]), 'run');
    await eventually('envcheck Succeeded', 30_000, async () => (ok(await kc(['get', 'pod', 'envcheck', '-o', 'jsonpath={.status.phase}']), 'get') === 'Succeeded' ? true : undefined));
    const node = ok(await kc(['get', 'pod', 'envcheck', '-o', 'jsonpath={.spec.nodeName}']), 'get node');
    assert.match(node, /^k3ts-/);
    assert.equal(ok(await kc(['logs', 'envcheck']), 'logs').trim(), `running on ${node}`);
  });

  test('a pod that fits no node stays Pending with a FailedScheduling event', async () => {
    ok(await kc(['run', 'huge', '--image=busybox', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'huge', image: 'busybox', resources: { requests: { cpu: '500' } } }] } })]), 'run');
    const event = await eventually('FailedScheduling', 30_000, async () => {
      const out = ok(await kc(['get', 'events', '--field-selector', 'involvedObject.name=huge,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']), 'events');
      return out || undefined;
    });
    assert.match(event, /^0\/3 nodes are available: 3 Insufficient cpu\./);
    assert.match(ok(await kc(['get', 'pod', 'huge']), 'get pod'), /huge\s+0\/1\s+Pending/);
    ok(await kc(['delete', 'pod', 'huge', '--wait=false']), 'delete');
  });

  test('a stopped agent: NotReady within 50 s, its pods come back elsewhere, Ready again after restart', async () => {
    const state = JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { processes: Array<{ role: string; pid: number }> };
    const agent2 = state.processes.find((p) => p.role === 'agent 2')!;
    const before = (await pods('app=test')).filter((p) => p.node === 'k3ts-agent-2' && p.phase === 'Running').length;
    assert.ok(before > 0, 'agent 2 runs some of the pods');
    process.kill(agent2.pid, 'SIGKILL');
    const stoppedAt = Date.now();
    await eventually('k3ts-agent-2 NotReady', 55_000, async () => (/k3ts-agent-2\s+NotReady/.test(ok(await kc(['get', 'nodes']), 'get nodes')) ? true : undefined));
    assert.ok(Date.now() - stoppedAt < 50_000, `NotReady after ${Date.now() - stoppedAt} ms`);
    await eventually('6 Running pods on the other nodes', 60_000, async () => {
      const c = await runningPerNode('app=test');
      const elsewhere = (c['k3ts-server'] ?? 0) + (c['k3ts-agent-1'] ?? 0);
      return elsewhere === 6 ? c : undefined;
    });
    const restarted = new AgentProcess({
      server: `https://127.0.0.1:${port}`,
      token: readFileSync(join(dataDir, 'server', 'server', 'token'), 'utf8').trim(),
      nodeName: 'k3ts-agent-2',
      nodeIp: '127.0.0.3',
      dataDir: join(dataDir, 'agent-2'),
    });
    extraAgents.push(restarted);
    await eventually('k3ts-agent-2 Ready again', 60_000, async () => (/k3ts-agent-2\s+Ready\s/.test(ok(await kc(['get', 'nodes']), 'get nodes')) ? true : undefined));
    await eventually('unreachable taints cleared', 20_000, async () =>
      /unreachable/.test(ok(await kc(['get', 'node', 'k3ts-agent-2', '-o', 'jsonpath={.spec.taints}']), 'taints')) ? undefined : true,
    );
  });

  test('deleting the Deployment removes its ReplicaSets and pods', async () => {
    ok(await kc(['delete', 'deployment', 'test']), 'delete');
    await eventually('no ReplicaSets or pods of app=test', 60_000, async () => {
      const rs = ok(await kc(['get', 'rs', '-l', 'app=test', '-o', 'name']), 'get rs');
      const left = await pods('app=test');
      return rs.trim() === '' && left.length === 0 ? true : undefined;
    });
  });

  test('k3ts down stops every process and removes the data dir', async () => {
    for (const a of extraAgents.splice(0)) await a.stop({ cleanup: false });
    const state = JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { processes: Array<{ pid: number }> };
    const r = await exec(k3tsBin, ['down', '--data-dir', dataDir]);
    ok(r, 'k3ts down');
    assert.match(r.stdout, /stopped .*server/);
    assert.equal(existsSync(dataDir), false);
    for (const p of state.processes) assert.equal(existsSync(`/proc/${p.pid}`) && !readFileSync(`/proc/${p.pid}/stat`, 'utf8').includes(') Z'), false, `pid ${p.pid} still runs`);
  });
});
