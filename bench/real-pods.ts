// Real pods on one node, against the floor of the same steps done straight over CRI:
//  1. the floor: a node's own containerd (started as the agent starts it), and for each of N pods
//     RunPodSandbox + CreateContainer + StartContainer, one pod at a time, image present;
//  2. k3ts: `k3ts server --disable-agent` and one `k3ts agent --runtime containerd`; N pods created
//     one at a time, each timed from its create request to a watcher seeing it Running;
//  3. the agent's RSS with the N pods running (containerd and the shims reported apart);
//  4. churn: N pods created at once and deleted, three times; then nothing may be left: sandboxes,
//     containers, veths, mounts under the node dir, host-local address leases.
// Needs root and containerd (as real pods do); says why and measures nothing otherwise.
//   npx tsc -p tsconfig.json && node dist/bench/real-pods.js [--pods 30] [--rounds 3]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chooseNodeCidr, createUpNetwork, hostRouteDestinations, netnsPath, planUpNetwork, removeUpNetwork, type UpNetwork } from '../src/local-cluster/node-network.js';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createHttpClient } from '../src/client/http-client.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { createServerPool } from '../src/client/server-pool.js';
import type { Client } from '../src/client/types.js';
import { containerConfigOf, sandboxConfigOf } from '../src/kubelet/runtime-config.js';
import { containerdPaths } from '../src/runtime/containerd/config.js';
import { ContainerdRuntime } from '../src/runtime/containerd/containerd-runtime.js';
import { connectCri } from '../src/runtime/containerd/cri/client.js';
import { containerdPidsFor, mountsUnder } from '../src/runtime/containerd/host-cleanup.js';
import { killallNode } from '../src/runtime/containerd/killall.js';
import { bridgeNameFor, cgroupParentFor, startManagedContainerd } from '../src/runtime/containerd/managed.js';
import { PAUSE_IMAGE } from '../src/runtime/containerd/pause-image.js';
import { containerdSkipReason } from '../src/runtime/containerd/test-containerd.js';
import type { KObject } from '../src/registry/types.js';
import { NODE_FLAGS } from '../src/local-cluster/node-flags.js';
import { rssMb } from './proc.js';
import { mb, ms, verdict, type Row } from './report.js';
import { freePort, startServer } from './server-process.js';
import { latencyStats, round2, type LatencyStats } from './stats.js';

const binPath = fileURLToPath(new URL('../../bin/k3ts', import.meta.url)); // dist/bench/ -> repo root
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'k3ts.local/seed002:1';
const podsType = { group: '', version: 'v1', resource: 'pods' };
const nodesType = { group: '', version: 'v1', resource: 'nodes' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RealPodsBenchResult {
  pods: number;
  rounds: number;
  /** Straight over CRI: RunPodSandbox + CreateContainer + StartContainer, per pod. */
  floor: LatencyStats;
  /** Of which RunPodSandbox (the pause container and the CNI plugins). */
  floorSandbox: LatencyStats;
  /** k3ts: pod create request -> a watcher sees it Running, per pod, one at a time. */
  createToRunning: LatencyStats;
  /** p99 of k3ts over p99 of the floor. */
  p99OverFloor: number;
  /** N pods created at once -> all Running (first churn round). */
  burstAllRunningMs: number;
  /** The agent's RSS 3 s after its Node turned Ready, no pods; then with the N pods running. */
  memory: { agentIdleRssMb: number; agentRssMb: number; containerdRssMb: number; shimsRssMb: number; shims: number };
  leaks: { sandboxes: number; containers: number; veths: number; mounts: number; addresses: number };
}

function podManifest(name: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { bench: 'real-pods' } },
    spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'web', image: IMAGE, imagePullPolicy: 'IfNotPresent' }] },
  } as KObject;
}

/** RSS of every process whose command line holds `needle`. */
function rssOfMatching(needle: string): { mb: number; count: number } {
  let total = 0;
  let count = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) continue;
      total += rssMb(Number(pid));
      count++;
    } catch {
      // gone meanwhile
    }
  }
  return { mb: round2(total), count };
}

const veths = (netns?: string) =>
  netns
    ? execFileSync('ip', ['-n', netns, '-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).split('\n').filter(Boolean).length
    : readdirSync('/sys/class/net').filter((n) => n.startsWith('veth')).length;

/** host-local keeps one file per address it handed out, named by the address. */
function leases(ipamDir: string): number {
  const dir = join(ipamDir, 'k3ts');
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).length : 0;
}

async function measureFloor(dir: string, tar: string, count: number, log: (m: string) => void): Promise<{ total: number[]; sandbox: number[] }> {
  const agentDir = join(dir, 'floor', 'agent');
  mkdirSync(join(agentDir, 'images'), { recursive: true });
  copyFileSync(tar, join(agentDir, 'images', 'seed002.tar'));
  const managed = await startManagedContainerd({ agentDir, streamAddress: '127.0.0.1', log: () => undefined });
  const paths = managed.paths;
  const runtime = new ContainerdRuntime({ socket: paths.socket, cniConfDir: paths.cniConfDir, cniIpamDir: paths.cniIpamDir, bridgeName: bridgeNameFor(agentDir), cgroupParent: cgroupParentFor(agentDir), sandboxImage: PAUSE_IMAGE });
  const samples: number[] = [];
  const sandboxes: number[] = [];
  try {
    await runtime.updatePodCidr('10.42.254.0/24');
    for (let i = 0; i < count; i++) {
      const pod = { ...podManifest(`floor-${i}`), metadata: { name: `floor-${i}`, namespace: 'default', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` } } as Pod;
      const t0 = performance.now();
      const sandbox = sandboxConfigOf(pod, { attempt: 0, logRoot: paths.podLogs });
      const id = await runtime.runPodSandbox(sandbox);
      sandboxes.push(performance.now() - t0);
      const c = pod.spec!.containers[0]!;
      const cid = await runtime.createContainer(id, containerConfigOf({ pod, container: c, attempt: 0, command: [], args: [], envs: [], mounts: [] }), sandbox);
      await runtime.startContainer(cid);
      samples.push(performance.now() - t0);
    }
    log(`  floor: ${count} pods straight over CRI, p50 ${ms(latencyStats(samples).p50Ms)}, p99 ${ms(latencyStats(samples).p99Ms)}; RunPodSandbox alone p50 ${ms(latencyStats(sandboxes).p50Ms)}`);
  } finally {
    await runtime.close();
    await managed.stop();
    await killallNode({ agentDir, log: () => undefined });
  }
  return { total: samples, sandbox: sandboxes };
}

/** Pod phases as a watcher sees them, with the time each pod was first seen Running or gone. */
class PodWatch {
  readonly running = new Map<string, number>();
  readonly present = new Set<string>();
  private waiters: Array<{ done(): boolean; resolve(): void }> = [];

  async start(client: Client, signal: AbortSignal): Promise<void> {
    await client.watch(podsType, { namespace: 'default', labelSelector: 'bench=real-pods' }, {
      onEvent: (ev) => {
        const name = ev.object.metadata.name!;
        if (ev.type === 'DELETED') {
          this.present.delete(name);
          this.running.delete(name);
        } else {
          this.present.add(name);
          if ((ev.object as Pod).status?.phase === 'Running' && !this.running.has(name)) this.running.set(name, performance.now());
        }
        this.waiters = this.waiters.filter((w) => (w.done() ? (w.resolve(), false) : true));
      },
    }, signal);
  }

  until(what: string, done: () => boolean, timeoutMs = 120_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ done, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

/** The agent in a network namespace of its own, as `k3ts up` runs a node: its overlay, service
 *  proxy and sysctls then stay off this machine's own network. */
function spawnAgent(o: { server: string; token: string; dataDir: string; netns: string; nodeIp: string }): { child: ChildProcess; output: () => string } {
  let out = '';
  // As bin/k3ts runs it: its first line's Node flags. nsenter execs Node in place, so the PID is the agent's.
  const child = spawn('nsenter', [`--net=${netnsPath(o.netns)}`, '--', process.execPath, ...NODE_FLAGS, binPath, 'agent', '--server', o.server, '--token', o.token, '--node-name', 'bench-node', '--node-ip', o.nodeIp, '--data-dir', o.dataDir, '--runtime', 'containerd'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out = (out + c).slice(-8000)));
  return { child, output: () => out };
}

export async function benchRealPods(opts: { pods?: number; rounds?: number; log?(msg: string): void } = {}): Promise<RealPodsBenchResult | { skipped: string }> {
  const skip = containerdSkipReason();
  if (skip) return { skipped: skip };
  const count = opts.pods ?? 30;
  const rounds = opts.rounds ?? 3;
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-pods-'));
  const nodeDir = join(dir, 'node');
  const agentDir = join(nodeDir, 'agent');
  const stop = new AbortController();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let agent: ReturnType<typeof spawnAgent> | undefined;
  let admin: (Client & { close(): void }) | undefined;
  let network: UpNetwork | undefined;
  try {
    const tar = join(dir, 'seed002.tar');
    const built = spawn(process.execPath, [join(repoRoot, 'examples', 'seed002-app', 'build.mjs'), '--out', join(dir, 'seed002'), '--tar', tar], { stdio: 'ignore' });
    await new Promise((r) => built.once('exit', r));
    log(`real pods: the floor, ${count} pods straight over CRI on a node's containerd`);
    const floor = await measureFloor(dir, tar, count, log);

    const port = await freePort();
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    network = planUpNetwork(dir, ['agent'], chooseNodeCidr(await hostRouteDestinations(), dir));
    await createUpNetwork(network);
    const node = network.nodes[0]!;
    server = await startServer({ dataDir: join(dir, 'server'), port, kubeconfigPath: kubeconfig, bindAddress: network.gateway });
    const token = readFileSync(join(dir, 'server', 'server', 'token'), 'utf8').trim();
    mkdirSync(join(agentDir, 'images'), { recursive: true });
    copyFileSync(tar, join(agentDir, 'images', 'seed002.tar'));
    const kc = loadKubeconfig(kubeconfig);
    const pool = createServerPool({ servers: [kc.server], ca: kc.caPem });
    const client = createHttpClient({ pool, ca: kc.caPem, cert: kc.certPem, key: kc.keyPem, userAgent: 'k3ts-bench' });
    const closeClient = client.close.bind(client);
    admin = Object.assign(client, { close: () => (closeClient(), pool.close()) });
    agent = spawnAgent({ server: `https://${network.gateway}:${port}`, token, dataDir: nodeDir, netns: node.netns, nodeIp: node.ip });
    for (let i = 0; ; i++) {
      const node = await admin.get(nodesType, undefined, 'bench-node').catch(() => undefined);
      const ready = (node?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready) break;
      if (i > 600) throw new Error(`the agent's node never turned Ready:\n${agent.output()}`);
      await sleep(100);
    }
    const watch = new PodWatch();
    void watch.start(admin, stop.signal);
    await sleep(500);
    await sleep(2500);
    const agentIdleRssMb = rssMb(agent.child.pid!);
    const before = { veths: veths(node.netns), mounts: mountsUnder(nodeDir).length };

    log(`real pods: ${count} pods created one at a time, create -> Running`);
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const name = `seq-${i}`;
      const t0 = performance.now();
      await admin.create(podsType, podManifest(name));
      await watch.until(`${name} Running`, () => watch.running.has(name));
      samples.push(watch.running.get(name)! - t0);
    }
    const createToRunning = latencyStats(samples);
    log(`  p50 ${ms(createToRunning.p50Ms)}, p99 ${ms(createToRunning.p99Ms)}`);
    await sleep(2000);
    const paths = containerdPaths(agentDir);
    const ctrd = containerdPidsFor(paths.config);
    const shims = rssOfMatching(paths.socket);
    const memory = {
      agentIdleRssMb,
      agentRssMb: rssMb(agent.child.pid!),
      containerdRssMb: round2(ctrd.reduce((a, pid) => a + rssMb(pid), 0)),
      // The shim's command line names the socket; containerd's names the config.
      shimsRssMb: shims.mb,
      shims: shims.count,
    };
    log(`  agent RSS ${mb(memory.agentRssMb)} with ${count} pods (containerd ${mb(memory.containerdRssMb)}, ${memory.shims} shims ${mb(memory.shimsRssMb)})`);

    const deleteAll = async (names: string[]) => {
      await Promise.all(names.map((n) => admin!.delete(podsType, 'default', n)));
      await watch.until('the pods to be gone', () => names.every((n) => !watch.present.has(n)));
    };
    await deleteAll(samples.map((_, i) => `seq-${i}`));
    log(`real pods: churn, ${count} pods at once, created and deleted ${rounds} times`);
    let burstAllRunningMs = 0;
    for (let r = 0; r < rounds; r++) {
      const names = Array.from({ length: count }, (_, i) => `churn-${r}-${i}`);
      const t0 = performance.now();
      await Promise.all(names.map((n) => admin!.create(podsType, podManifest(n))));
      await watch.until(`round ${r} Running`, () => names.every((n) => watch.running.has(n)));
      if (r === 0) burstAllRunningMs = performance.now() - t0;
      await deleteAll(names);
    }
    await sleep(2000);
    const cri = connectCri(paths.socket, { defaultDeadlineMs: 10_000 });
    let leaks;
    try {
      leaks = {
        sandboxes: ((await cri.runtime.ListPodSandbox!({})) as { items: unknown[] }).items.length,
        containers: ((await cri.runtime.ListContainers!({})) as { containers: unknown[] }).containers.length,
        veths: veths(node.netns) - before.veths,
        mounts: mountsUnder(nodeDir).length - before.mounts,
        addresses: leases(paths.cniIpamDir),
      };
    } finally {
      cri.close();
    }
    log(`  left behind: ${JSON.stringify(leaks)}`);
    const floorStats = latencyStats(floor.total);
    return {
      pods: count,
      rounds,
      floor: floorStats,
      floorSandbox: latencyStats(floor.sandbox),
      createToRunning,
      p99OverFloor: round2(createToRunning.p99Ms / floorStats.p99Ms),
      burstAllRunningMs: round2(burstAllRunningMs),
      memory,
      leaks,
    };
  } finally {
    stop.abort();
    if (agent && agent.child.exitCode === null) {
      agent.child.kill('SIGTERM');
      await new Promise((r) => agent!.child.once('exit', r));
    }
    await killallNode({ agentDir, log: () => undefined }).catch(() => undefined);
    if (network) await removeUpNetwork(network);
    admin?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function realPodRows(r: RealPodsBenchResult | { skipped: string }): Row[] {
  if ('skipped' in r) return [{ figure: 'real pods (containerd)', value: `skipped: ${r.skipped}` }];
  const leaked = Object.values(r.leaks).reduce((a, b) => a + b, 0);
  return [
    { figure: `pod create -> Running, one node, ${r.pods} pods, p50`, value: ms(r.createToRunning.p50Ms) },
    { figure: 'pod create -> Running, p99', value: ms(r.createToRunning.p99Ms), target: verdict('<= 1000 ms', r.createToRunning.p99Ms <= 1000), upstream: 'K8s SLO 5 s' },
    { figure: 'the same straight over CRI (floor), p50 / p99', value: `${ms(r.floor.p50Ms)} / ${ms(r.floor.p99Ms)}` },
    { figure: '  of which RunPodSandbox, p50', value: ms(r.floorSandbox.p50Ms) },
    { figure: 'k3ts p99 / floor p99', value: `${r.p99OverFloor.toFixed(2)}x`, target: verdict('<= 1.5x', r.p99OverFloor <= 1.5) },
    { figure: `${r.pods} pods created at once -> all Running`, value: ms(r.burstAllRunningMs) },
    { figure: 'agent RSS, no pods', value: mb(r.memory.agentIdleRssMb) },
    { figure: `agent RSS, ${r.pods} pods running`, value: mb(r.memory.agentRssMb), target: verdict('<= 80 MB', r.memory.agentRssMb <= 80), upstream: 'K3s agent ~275 MB incl. containerd' },
    { figure: 'containerd RSS / shims RSS', value: `${mb(r.memory.containerdRssMb)} / ${mb(r.memory.shimsRssMb)} (${r.memory.shims})` },
    { figure: `left after ${r.rounds} rounds of ${r.pods} pods churned`, value: JSON.stringify(r.leaks), target: verdict('nothing', leaked === 0) },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const arg = (name: string, d: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const { renderTable } = await import('./report.js');
  const r = await benchRealPods({ pods: arg('--pods', 30), rounds: arg('--rounds', 3), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${renderTable(realPodRows(r))}\n${JSON.stringify(r)}\n`);
}
