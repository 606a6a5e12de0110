// The cluster network end to end, as seed 002's author checks it: `k3ts up` puts three nodes in
// network namespaces of their own; pods on different nodes reach each other; Services answer on
// their ClusterIP, by DNS name, on a NodePort at every node address (in strict rotation over the
// pods) and as a LoadBalancer; NetworkPolicy denies and allows; the overlay reports a peer whose
// VXLAN port is blocked; and `k3ts down` leaves the machine's namespaces, links and rules as before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kubectls, repoRoot } from './harness.js';
import { eventually, exec, k3tsBin, ok } from './cli-exec.js';
import { containerdSkipReason } from '../../src/runtime/containerd/test-containerd.js';
import type { UpNetwork } from '../../src/local-cluster/node-network.js';

const kubectl = kubectls[0]!.bin;
const skip = containerdSkipReason();

function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.once('error', reject);
  });
}

/** "Hello from <node>, visitor #N" → node. */
const nodeOf = (reply: string) => /^Hello from (\S+), visitor #\d+\n$/.exec(reply)?.[1] ?? `unexpected reply ${JSON.stringify(reply)}`;

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

const hostState = () => ({
  netns: execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }),
  links: execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean).sort(),
  // Counters and comments aside, the rules themselves.
  iptables: execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n'),
});

if (skip) {
  console.log(`network e2e skipped: ${skip}`);
  test('cluster network', { skip }, () => undefined);
} else {
  describe('the cluster network on a k3ts up cluster', { timeout: 900_000 }, () => {
    let dir: string;
    let dataDir = '';
    let env: NodeJS.ProcessEnv;
    let network: UpNetwork;
    let before_: ReturnType<typeof hostState>;
    const kc = (args: string[], timeoutMs?: number) => exec(kubectl, args, env, timeoutMs);
    const jsonpath = async (args: string[], path: string) => ok(await kc([...args, '-o', `jsonpath=${path}`]), `kubectl ${args.join(' ')}`);
    const nodeIps = () => network.nodes.map((n) => n.ip);
    const netnsOf = (role: string) => network.nodes.find((n) => n.role === role)!.netns;
    const podOn = (node: string) => jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', `spec.nodeName=${node}`], '{.items[0].metadata.name}');
    const inPod = async (pod: string, script: string) => ok(await kc(['exec', pod, '--', 'sh', '-c', script]), `exec in ${pod}: ${script}`);
    /** The body of GET / from inside a pod, '' when nothing answers within 2 s. busybox's nc, as its
     *  wget crashes when given a timeout (-T) here. */
    const getFromPod = async (pod: string, host: string) =>
      ((await kc(['exec', pod, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\nHost: ${host}\\r\\n\\r\\n' | nc -w 2 ${host} 80`])).stdout.split('\r\n\r\n')[1] ?? '');

    before(async () => {
      before_ = hostState();
      dir = mkdtempSync(join(tmpdir(), 'k3ts-net-'));
      dataDir = join(dir, 'cluster');
      env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache') };
      const tar = join(dir, 'seed002.tar');
      ok(await exec(process.execPath, [join(repoRoot, 'examples', 'seed002-app', 'build.mjs'), '--out', join(dir, 'seed002'), '--tar', tar]), 'build the seed002 image');
      // A shorter grace period, so the node-loss test sees a silent node NotReady sooner; it must stay
      // well above the kubelets' 10 s heartbeat, or healthy nodes flap NotReady and lose their endpoints.
      ok(await exec(k3tsBin, ['up', '--agents', '2', '--data-dir', dataDir, '--port', String(await freePort()), '--runtime', 'containerd', '--', '--node-monitor-grace-period', '25s'], {}, 180_000), 'k3ts up');
      network = (JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { network: UpNetwork }).network;
      ok(await exec(k3tsBin, ['image', 'import', tar, '--data-dir', dataDir]), 'k3ts image import');
      // Ready comes before the overlay is up; a node whose pod network is not there yet is no place
      // for a replica, so the spread over three nodes waits for all three.
      await eventually('NetworkUnavailable=False on every node', 60_000, async () => {
        const v = await jsonpath(['get', 'nodes'], '{range .items[*]}{.status.conditions[?(@.type=="NetworkUnavailable")].status}{" "}{end}');
        return v.trim() === 'False False False' ? true : undefined;
      });
      // httpd ignores SIGTERM: a short grace period keeps the scale-down test from waiting out 30 s.
      const manifest = readFileSync(join(repoRoot, 'examples', 'seed002-test.yaml'), 'utf8')
        .replace('replicas: 2', 'replicas: 3')
        .replace('            containers:', '            terminationGracePeriodSeconds: 2\n            containers:');
      writeFileSync(join(dir, 'seed002.yaml'), manifest);
      ok(await kc(['apply', '-f', join(dir, 'seed002.yaml')]), 'apply');
      ok(await kc(['rollout', 'status', 'deployment/test', '--timeout=120s'], 150_000), 'rollout status');
      const nodes = (await jsonpath(['get', 'pods', '-l', 'app=test'], '{.items[*].spec.nodeName}')).split(' ').sort();
      assert.deepEqual(nodes, ['k3ts-agent-1', 'k3ts-agent-2', 'k3ts-server'], 'one replica per node');
    });

    after(async () => {
      if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir], {}, 120_000);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('every node reports its pod network up, and each node has its own hostname label', async () => {
      await eventually('NetworkUnavailable=False on every node', 30_000, async () => {
        const v = await jsonpath(['get', 'nodes'], '{range .items[*]}{.status.conditions[?(@.type=="NetworkUnavailable")].status}{" "}{end}');
        return v.trim() === 'False False False' ? true : undefined;
      });
      assert.equal(await jsonpath(['get', 'nodes'], '{.items[*].metadata.labels.kubernetes\\.io/hostname}'), 'k3ts-agent-1 k3ts-agent-2 k3ts-server');
    });

    test('a pod reaches pods on the other nodes by their pod IPs, over the overlay', async () => {
      const from = await podOn('k3ts-agent-1');
      for (const node of ['k3ts-agent-2', 'k3ts-server']) {
        const ip = await jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', `spec.nodeName=${node}`], '{.items[0].status.podIP}');
        assert.equal(nodeOf(await getFromPod(from, ip)), node);
      }
    });

    test('a pod reaches a Service by ClusterIP and by DNS name; the name resolves to the ClusterIP', async () => {
      const pod = await podOn('k3ts-agent-2');
      const clusterIp = await jsonpath(['get', 'service', 'test'], '{.spec.clusterIP}');
      assert.match(await getFromPod(pod, clusterIp), /^Hello from /);
      assert.match(await getFromPod(pod, 'test'), /^Hello from /, 'the short name, through the search path');
      const looked = await inPod(pod, 'nslookup test.default.svc.cluster.local');
      assert.match(looked, new RegExp(`Address:\\s+${clusterIp.replace(/\./g, '\\.')}\\b`), looked);
      const resolv = await inPod(pod, 'cat /etc/resolv.conf');
      assert.match(resolv, /nameserver 10\.43\.0\.10/);
      assert.match(resolv, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
      assert.match(resolv, /options ndots:5/);
    });

    test('NodePort 30080 on every node address: 6 requests over 3 pods give exactly 2 to each', async () => {
      for (const ip of nodeIps()) {
        const replies: string[] = [];
        for (let i = 0; i < 6; i++) replies.push(nodeOf(await httpGet(`http://${ip}:30080/`)));
        assert.deepEqual(countBy(replies), { 'k3ts-agent-1': 2, 'k3ts-agent-2': 2, 'k3ts-server': 2 }, `through ${ip}: ${replies.join(', ')}`);
      }
    });

    test('sessionAffinity ClientIP: 6 requests from one client all reach one pod', async () => {
      ok(await kc(['patch', 'service', 'test', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']), 'patch');
      await eventually('affinity in force', 10_000, async () => {
        const replies: string[] = [];
        for (let i = 0; i < 6; i++) replies.push(nodeOf(await httpGet(`http://${nodeIps()[1]}:30080/`)));
        return new Set(replies).size === 1 ? true : undefined;
      });
      // As upstream, the defaulted timeout must go too, or None is refused.
      ok(await kc(['patch', 'service', 'test', '-p', '{"spec":{"sessionAffinity":"None","sessionAffinityConfig":null}}']), 'patch back');
    });

    test('a LoadBalancer Service shows the node IPs as EXTERNAL-IP and answers on its port there', async () => {
      ok(await kc(['expose', 'deployment', 'test', '--name', 'web-lb', '--type', 'LoadBalancer', '--port', '8080', '--target-port', '80']), 'expose');
      const ingress = await eventually('ingress IPs', 30_000, async () => {
        const v = await jsonpath(['get', 'service', 'web-lb'], '{.status.loadBalancer.ingress[*].ip}');
        return v.split(' ').length === 3 ? v : undefined;
      });
      assert.deepEqual(ingress.split(' ').sort(), [...nodeIps()].sort());
      const table = ok(await kc(['get', 'service', 'web-lb']), 'get');
      assert.match(table, new RegExp(`web-lb\\s+LoadBalancer\\s+\\S+\\s+${[...nodeIps()].sort().join(',').replace(/\./g, '\\.')}\\s+8080:3\\d{4}/TCP`));
      await eventually('the LB port answers', 10_000, async () => /^Hello from /.test(await httpGet(`http://${nodeIps()[2]}:8080/`).catch(() => '')) || undefined);
      ok(await kc(['delete', 'service', 'web-lb']), 'delete');
    });

    test('a NetworkPolicy that denies, then one that allows a labelled client', async () => {
      const target = await podOn('k3ts-server');
      const targetIp = await jsonpath(['get', 'pod', target], '{.status.podIP}');
      const client = await podOn('k3ts-agent-1');
      const reach = async () => /^Hello from /.test(await getFromPod(client, targetIp));
      assert.equal(await reach(), true, 'open before any policy');
      const policy = (name: string, ingress: unknown[]) => JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec: { podSelector: { matchLabels: { app: 'test' } }, policyTypes: ['Ingress'], ingress } });
      writeFileSync(join(dir, 'deny.json'), policy('deny-all', []));
      ok(await kc(['apply', '-f', join(dir, 'deny.json')]), 'apply deny');
      await eventually('denied', 10_000, async () => ((await reach()) ? undefined : true));
      ok(await kc(['label', 'pod', client, 'role=client']), 'label');
      writeFileSync(join(dir, 'allow.json'), policy('allow-client', [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }]));
      ok(await kc(['apply', '-f', join(dir, 'allow.json')]), 'apply allow');
      await eventually('allowed again for the client', 10_000, async () => ((await reach()) ? true : undefined));
      ok(await kc(['delete', 'networkpolicy', 'deny-all', 'allow-client']), 'delete');
    });

    test('UDP 8472 blocked on one node: the other nodes name it in OverlayReachable, and it clears when unblocked', async () => {
      const ns = netnsOf('agent 2');
      const rule = ['-I', 'INPUT', '-p', 'udp', '--dport', '8472', '-j', 'DROP'];
      execFileSync('ip', ['netns', 'exec', ns, 'iptables', ...rule]);
      try {
        const message = await eventually('agent-1 names agent-2', 30_000, async () => {
          const m = await jsonpath(['get', 'node', 'k3ts-agent-1'], '{.status.conditions[?(@.type=="OverlayReachable")].message}');
          return /k3ts-agent-2/.test(m) && /8472/.test(m) ? m : undefined;
        });
        assert.match(message, /UDP 8472/);
      } finally {
        execFileSync('ip', ['netns', 'exec', ns, 'iptables', '-D', ...rule.slice(1)]);
      }
      await eventually('clears', 30_000, async () => ((await jsonpath(['get', 'node', 'k3ts-agent-1'], '{.status.conditions[?(@.type=="OverlayReachable")].status}')) === 'True' ? true : undefined));
    });

    test('scaled down during traffic: no request reaches the removed pod once it is gone, and none fails', async () => {
      const failures: string[] = [];
      const seen: string[] = [];
      let stop = false;
      const traffic = (async () => {
        while (!stop) {
          try {
            seen.push(nodeOf(await httpGet(`http://${nodeIps()[0]}:30080/`)));
          } catch (err) {
            failures.push(String(err));
          }
        }
      })();
      ok(await kc(['scale', 'deployment/test', '--replicas=2']), 'scale');
      await eventually('2 pods left', 60_000, async () => ((await jsonpath(['get', 'pods', '-l', 'app=test'], '{.items[*].metadata.name}')).split(' ').length === 2 ? true : undefined));
      const remaining = new Set((await jsonpath(['get', 'pods', '-l', 'app=test'], '{.items[*].spec.nodeName}')).split(' '));
      const mark = seen.length;
      await new Promise((r) => setTimeout(r, 2000));
      stop = true;
      await traffic;
      assert.deepEqual(failures, []);
      const after_ = seen.slice(mark);
      assert.ok(after_.length > 5, 'traffic went on');
      assert.deepEqual(after_.filter((n) => !remaining.has(n)), [], 'nothing from the removed pod');
    });

    test('a node killed: once it is NotReady its pod leaves the Service, though its container still answers', async () => {
      const nodes = (await jsonpath(['get', 'pods', '-l', 'app=test'], '{.items[*].spec.nodeName}')).split(' ');
      const victim = nodes.find((n) => n.startsWith('k3ts-agent-'))!;
      const survivor = network.nodes.find((n) => n.role === 'server')!.ip;
      const state = JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { processes: Array<{ role: string; pid: number }> };
      process.kill(state.processes.find((p) => p.role === victim.replace('k3ts-agent-', 'agent '))!.pid, 'SIGKILL');
      await eventually(`${victim}'s pod not ready`, 60_000, async () => {
        const ready = await jsonpath(['get', 'pods', '-l', 'app=test', '--field-selector', `spec.nodeName=${victim}`], '{.items[0].status.conditions[?(@.type=="Ready")].status}');
        return ready === 'False' ? true : undefined;
      });
      const replies: string[] = [];
      await eventually('rules without it', 10_000, async () => {
        replies.length = 0;
        for (let i = 0; i < 6; i++) replies.push(nodeOf(await httpGet(`http://${survivor}:30080/`)));
        return replies.includes(victim) ? undefined : true;
      });
      for (let i = 0; i < 6; i++) replies.push(nodeOf(await httpGet(`http://${survivor}:30080/`)));
      assert.deepEqual(replies.filter((n) => n === victim), []);
    });

    test('after a crash (every k3ts process killed), k3ts down leaves ip netns, ip link and iptables-save as before', async () => {
      const state = JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { processes: Array<{ pid: number }> };
      for (const p of state.processes) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // the node killed earlier is gone already
        }
      }
      ok(await exec(k3tsBin, ['down', '--data-dir', dataDir], {}, 120_000), 'down');
      dataDir = '';
      // Other tests may run beside this one and make namespaces of their own: look for ours by name.
      const now = hostState();
      assert.deepEqual(network.nodes.filter((n) => now.netns.includes(n.netns)).map((n) => n.netns), []);
      const ours = [network.bridge, ...network.nodes.map((n) => n.hostVeth)];
      assert.deepEqual(now.links.filter((l) => ours.includes(l!)), []);
      assert.equal(now.iptables, before_.iptables, 'the machine\'s own rules are untouched');
    });
  });
}
