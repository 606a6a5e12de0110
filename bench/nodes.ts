// Nodes and scheduling against a real `k3ts server --disable-agent` process:
//  1. `k3ts agent` processes: spawn -> their Node Ready, first join and restart with kept credentials;
//  2. 100 kubelets with the simulated runtime in this process, each joined with the server token and
//     talking over its own HTTPS client with its own node certificate, then 30 Deployments of 100
//     replicas created at once: pods bound per second as a watcher sees it, Deployment create -> all
//     replicas Running, and the server's RSS at idle, with 100 idle nodes, and with 3,000 pods running;
//  3. the scheduler in process (bench/scheduler.ts) on 100 nodes and 3,000 pods.
// Runs compiled, since the server and agents are `bin/k3ts` (which needs dist/):
//   npx tsc -p tsconfig.json && node dist/bench/nodes.js        (also part of `npm run bench`)
//   node dist/bench/nodes.js --agents 2 --nodes 10 --deployments 3 --replicas 20 --no-scheduler   (a quick try)
//   node dist/bench/nodes.js --rss-tail 60           sample the server's RSS for 60 s after the steady state (default 30)
//   K3TS_BENCH_SERVER_CPU_PROF=<dir> node dist/bench/nodes.js    the server writes a V8 CPU profile there
//   node dist/bench/nodes.js --heap-snapshot <dir>   server heap snapshots with 100 idle nodes and at steady
//                                                     state (they pause the server: numbers after them are off)
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Node, NodeCondition, Pod } from 'kubernetes-types/core/v1.js';
import { createHttpClient } from '../src/client/http-client.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { createServerPool } from '../src/client/server-pool.js';
import type { Client } from '../src/client/types.js';
import { obtainNodeCredentials } from '../src/agent/credentials.js';
import { ensureNodePassword } from '../src/agent/node-identity.js';
import { kubeletVersion } from '../src/apiserver/version.js';
import { startKubelet, type Kubelet } from '../src/kubelet/kubelet.js';
import { SimRuntime } from '../src/runtime/sim/sim-runtime.js';
import type { KObject } from '../src/registry/types.js';
import { cpuSeconds, rssMb } from './proc.js';
import { mb, ms, renderTable, verdict, type Row } from './report.js';
import { benchScheduler, type SchedulerBenchResult } from './scheduler.js';
import { freePort, startServer, type StartedServer } from './server-process.js';
import { median, percentile, round2 } from './stats.js';

const binPath = fileURLToPath(new URL('../../bin/k3ts', import.meta.url)); // dist/bench/ -> repo root
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const nodesType = { group: '', version: 'v1', resource: 'nodes' };
const podsType = { group: '', version: 'v1', resource: 'pods' };
const deploymentsType = { group: 'apps', version: 'v1', resource: 'deployments' };

export interface NodesBenchOptions {
  /** `k3ts agent` processes timed (each joins, then restarts). Default 5. */
  agents?: number;
  /** In-process kubelets. Default 100. */
  nodes?: number;
  deployments?: number;
  replicas?: number;
  /** Giving up on the Deployments after this long (the result says how many pods ran). Default 180000. */
  deploymentTimeoutMs?: number;
  log?(msg: string): void;
  /** Keep sampling the server's RSS every 10 s for this long after the steady-state CPU window; the last
   *  sample is the settled RSS. Default 30. */
  rssTailS?: number;
  /** Extra node flags for the server process (e.g. a heap snapshot signal). */
  serverNodeFlags?: string[];
  /** Called after the measurements of a phase, with the server's PID (e.g. to take a heap snapshot). */
  onPhase?(phase: 'nodes-idle' | 'steady', serverPid: number): Promise<void>;
}

export interface NodesBenchResult {
  params: { agents: number; nodes: number; deployments: number; replicas: number };
  agents: {
    /** Spawn -> the Node's Ready condition True on a watch, each agent on a fresh data dir. */
    firstJoinMs: number[];
    firstJoinMedianMs: number;
    /** The same agent started again on its data dir (credentials kept): spawn -> a Ready status newer than the last one. */
    restartMs: number[];
    restartMedianMs: number;
    /** The agents' own "k3ts agent is running" startupMs (after Node start-up and module loading). */
    loggedFirstStartupMs: Array<number | undefined>;
    loggedRestartStartupMs: Array<number | undefined>;
    /** Each restarted agent's RSS 200 ms after its Node turned Ready. */
    rssMb: number[];
  };
  nodes: {
    /** Joins (token -> node certificate) and kubelet starts, 10 at a time, for all nodes. */
    joinAndRegisterMs: number;
    /** From the first join to the last Node Ready. */
    allReadyMs: number;
  };
  pods: {
    total: number;
    running: number;
    /** Pods seen created per second (ReplicaSet controllers), first to last. */
    createdPerSecond: number;
    /** Pods seen bound per second, first binding to last. */
    boundPerSecond: number;
    /** Deployments created -> the last pod bound / Running. */
    allBoundMs: number;
    allRunningMs: number;
    /** Per Deployment: its create request -> all its replicas Running (a watcher's view). */
    deploymentP50Ms: number;
    deploymentP99Ms: number;
    deploymentMaxMs: number;
    /** Each pod: created -> bound, bound -> Running. */
    createToBoundP50Ms: number;
    createToBoundP99Ms: number;
    boundToRunningP50Ms: number;
    boundToRunningP99Ms: number;
    /** Pods per node, fewest and most. */
    minPodsPerNode: number;
    maxPodsPerNode: number;
    kubeletErrors: number;
  };
  memory: {
    serverRssIdleMb: number;
    serverRssNodesIdleMb: number;
    /** 10 s after the last pod turned Running. */
    serverRssSteadyMb: number;
    /** The last RSS sample, settledAfterS after the last pod turned Running. */
    serverRssSettledMb: number;
    settledAfterS: number;
    benchRssNodesIdleMb: number;
    benchRssSteadyMb: number;
    /** Open file descriptors of the server (mostly sockets: each kubelet keeps a few connections). */
    serverFdsNodesIdle: number;
    serverFdsSteady: number;
  };
  /** The server's own process.memoryUsage() (MB) at the three RSS readings: how much of RSS is the JS heap. */
  serverMemory: Record<'idle' | 'nodesIdle' | 'steady', ServerMemory | undefined>;
  /** GET /metrics of the control plane at steady state: median time and size of the text. */
  metricsScrape: { p50Ms: number; bytes: number };
  /** The server's RSS every 10 s after the steady-state CPU window (rssTailS). */
  serverRssTail: Array<{ s: number; rssMb: number; heapUsedMb?: number; heapTotalMb?: number }>;
  /** Server CPU seconds per phase; `settle` is the 10 s after the last pod ran, `steady` the 10 s after that. */
  serverCpuS: { agents: number; join: number; deployments: number; settle: number; steady: number };
  /** This process's CPU (100 kubelets and the watcher) in the same steady 10 s. */
  benchCpuSteadyS: number;
  loadavg: { start: number[]; pods: number[]; end: number[] };
  elapsedS: number;
}

export interface ServerMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Node flags that make the server write its process.memoryUsage() to `file` every 500 ms: RSS alone
 * cannot tell the JS heap from native memory (TLS, SQLite, malloc). A data: URL, so the server needs
 * no file of ours.
 */
function memoryProbe(file: string): string[] {
  const code = `import { writeFileSync, renameSync } from 'node:fs';
const f = ${JSON.stringify(file)};
setInterval(() => { writeFileSync(f + '.tmp', JSON.stringify(process.memoryUsage())); renameSync(f + '.tmp', f); }, 500).unref();`;
  return ['--import', `data:text/javascript,${encodeURIComponent(code)}`];
}

async function readMemory(file: string): Promise<ServerMemory | undefined> {
  await sleep(600); // a fresh sample
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<keyof ServerMemory, number>;
    const toMb = (x: number) => Math.round((x / 1048576) * 10) / 10;
    return { rss: toMb(raw.rss), heapTotal: toMb(raw.heapTotal), heapUsed: toMb(raw.heapUsed), external: toMb(raw.external), arrayBuffers: toMb(raw.arrayBuffers) };
  } catch {
    return undefined;
  }
}

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const sleep = (msDelay: number) => new Promise((r) => setTimeout(r, msDelay));

async function inBatches<T>(n: number, size: number, each: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += size) out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, k) => each(i + k)))));
  return out;
}

function readyCondition(node: KObject): NodeCondition | undefined {
  return (node as Node).status?.conditions?.find((c) => c.type === 'Ready');
}

/** Every Node event as it arrives, so a waiter can ask "Ready since when, and with which heartbeat". */
class NodeWatch {
  private readonly latest = new Map<string, KObject>();
  private waiters: Array<{ name: string; heartbeatAfter: string; resolve(t: number): void }> = [];

  async start(client: Client, signal: AbortSignal): Promise<void> {
    await client.watch(nodesType, {}, { onEvent: (ev) => (ev.type === 'DELETED' ? this.latest.delete(ev.object.metadata.name!) : this.seen(ev.object)) }, signal);
  }

  private seen(node: KObject): void {
    const t = performance.now();
    const name = node.metadata.name!;
    this.latest.set(name, node);
    const ready = readyCondition(node);
    if (ready?.status !== 'True') return;
    const heartbeat = ready.lastHeartbeatTime ?? '';
    this.waiters = this.waiters.filter((w) => {
      if (w.name !== name || heartbeat <= w.heartbeatAfter) return true;
      w.resolve(t);
      return false;
    });
  }

  heartbeat(name: string): string {
    const node = this.latest.get(name);
    return (node && readyCondition(node)?.lastHeartbeatTime) ?? '';
  }

  readyCount(): number {
    return [...this.latest.values()].filter((n) => readyCondition(n)?.status === 'True').length;
  }

  /** Resolves with the arrival time of the first Ready=True status whose heartbeat is newer than `heartbeatAfter`. */
  waitReady(name: string, heartbeatAfter: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${name} not Ready within ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiters.push({ name, heartbeatAfter, resolve: (t) => (clearTimeout(timer), resolve(t)) });
      const now = this.latest.get(name);
      if (now) this.seen(now);
    });
  }
}

interface AgentProcess {
  pid: number;
  spawnedAt: number;
  loggedStartupMs(): number | undefined;
  stderrTail(): string;
  stop(): Promise<void>;
}

function spawnAgent(a: { server: string; token: string; name: string; ip: string; dataDir: string }): AgentProcess {
  const args = [binPath, 'agent', '--server', a.server, '--token', a.token, '--node-name', a.name, '--node-ip', a.ip, '--data-dir', a.dataDir, '--runtime', 'sim'];
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let startup: number | undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    stderr = (stderr + c).slice(-8000);
    const m = /agent is running.*startupMs=(\d+)/.exec(stderr);
    if (m && startup === undefined) startup = Number(m[1]);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  return {
    pid: child.pid!,
    spawnedAt,
    loggedStartupMs: () => startup,
    stderrTail: () => stderr,
    async stop() {
      if (exited) return;
      process.kill(child.pid!, 'SIGTERM');
      const killer = setTimeout(() => !exited && process.kill(child.pid!, 'SIGKILL'), 15_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

/** Waits until the wall clock is past the given API timestamp's second, so the next heartbeat compares greater. */
async function pastSecond(apiTime: string): Promise<void> {
  if (!apiTime) return;
  const end = Date.parse(apiTime) + 1000;
  if (Date.now() < end) await sleep(end - Date.now() + 20);
}

function deployment(name: string, replicas: number): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        // No command: the simulated runtime runs it until stopped, like a server.
        spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      },
    },
  };
}

interface PodTimes {
  app: string;
  created?: number;
  bound?: number;
  running?: number;
  node?: string;
}

export async function benchNodes(opts: NodesBenchOptions = {}): Promise<NodesBenchResult> {
  const T0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const agentCount = opts.agents ?? 5;
  const nodeCount = opts.nodes ?? 100;
  const deploymentCount = opts.deployments ?? 30;
  const replicas = opts.replicas ?? 100;
  const total = deploymentCount * replicas;
  const loadStart = loadavg().map(round2);

  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-nodes-'));
  const dataDir = join(dir, 'server');
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every kubelet and watch listens on it
  const agents: AgentProcess[] = [];
  const kubelets: Array<{ kubelet: Kubelet; close(): void }> = [];
  let server: StartedServer | undefined;
  let admin: (Client & { close(): void }) | undefined;
  const cleanup = async () => {
    stop.abort();
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
    let stoppedKubelets = 0;
    const allStopped = Promise.all(kubelets.map((k) => k.kubelet.stopped.then(() => stoppedKubelets++)));
    if ((await Promise.race([allStopped.then(() => true), sleep(10_000).then(() => false)])) === false) {
      process.stderr.write(`bench: only ${stoppedKubelets} of ${kubelets.length} kubelets stopped within 10 s of the abort\n`);
    }
    for (const k of kubelets) k.close();
    admin?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const memFile = join(dir, 'server-memory.json');
    server = await startServer({ dataDir, port, kubeconfigPath: kubeconfig, nodeFlags: [...memoryProbe(memFile), ...(opts.serverNodeFlags ?? [])] });
    const pid = server.pid;
    const token = readFileSync(join(dataDir, 'server', 'token'), 'utf8').trim();
    const kc = loadKubeconfig(kubeconfig);
    const adminPool = createServerPool({ servers: [kc.server], ca: kc.caPem });
    const adminClient = createHttpClient({ pool: adminPool, ca: kc.caPem, cert: kc.certPem, key: kc.keyPem, userAgent: 'k3ts-bench' });
    admin = { ...adminClient, close: () => (adminClient.close(), adminPool.close()) };
    const nodes = new NodeWatch();
    await nodes.start(admin, stop.signal);
    await sleep(Math.max(0, 3000 - (performance.now() - server.readyAt)));
    const serverRssIdleMb = rssMb(pid);
    const serverMemIdle = await readMemory(memFile);
    log(`server ready in ${Math.round(server.readyMs)} ms (pid ${pid}); idle RSS ${serverRssIdleMb} MB`);

    // 1. Agent processes, one at a time so each start has the machine to itself.
    let cpuMark = cpuSeconds(pid);
    const firstJoinMs: number[] = [];
    const restartMs: number[] = [];
    const agentDirs = Array.from({ length: agentCount }, (_, i) => join(dir, `agent-${i}`));
    const agentName = (i: number) => `bench-agent-${i}`;
    const agentArgs = (i: number) => ({ server: url, token, name: agentName(i), ip: `127.0.0.${10 + i}`, dataDir: agentDirs[i]! });
    const loggedFirst: Array<number | undefined> = [];
    const loggedRestart: Array<number | undefined> = [];
    const agentRss: number[] = [];
    for (let i = 0; i < agentCount; i++) {
      const agent = spawnAgent(agentArgs(i));
      agents[i] = agent;
      const readyAt = await nodes.waitReady(agentName(i), '', 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; agent stderr:\n${agent.stderrTail()}`);
      });
      firstJoinMs.push(round2(readyAt - agent.spawnedAt));
      await sleep(200);
      loggedFirst.push(agent.loggedStartupMs());
      log(`  agent ${i} first join -> Ready ${Math.round(readyAt - agent.spawnedAt)} ms`);
    }
    for (let i = 0; i < agentCount; i++) {
      await agents[i]!.stop();
      const before = nodes.heartbeat(agentName(i));
      await pastSecond(before);
      const agent = spawnAgent(agentArgs(i));
      agents[i] = agent;
      const readyAt = await nodes.waitReady(agentName(i), before, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; agent stderr:\n${agent.stderrTail()}`);
      });
      restartMs.push(round2(readyAt - agent.spawnedAt));
      await sleep(200);
      loggedRestart.push(agent.loggedStartupMs());
      agentRss.push(rssMb(agent.pid));
      log(`  agent ${i} restart -> Ready ${Math.round(readyAt - agent.spawnedAt)} ms`);
    }
    // Their Nodes go too: a stopped agent's Node stays Ready until the lifecycle controller's grace
    // period, and pods scheduled there would never run.
    for (const a of agents.splice(0)) await a.stop();
    for (let i = 0; i < agentCount; i++) await admin.delete(nodesType, undefined, agentName(i));
    const cpuAgents = cpuSeconds(pid) - cpuMark;
    cpuMark = cpuSeconds(pid);

    // 2a. In-process nodes, each joined with the server token and with its own certificate and connections.
    log(`joining ${nodeCount} in-process kubelets (simulated runtime, own HTTPS client and node certificate each)`);
    let kubeletErrors = 0;
    const tJoin = performance.now();
    await inBatches(nodeCount, 10, async (i) => {
      const nodeName = `sim-node-${String(i).padStart(3, '0')}`;
      const nodeDir = join(dir, 'nodes', nodeName);
      const nodePassword = await ensureNodePassword(nodeDir);
      const creds = await obtainNodeCredentials({ server: url, token, nodeName, nodePassword, dataDir: nodeDir });
      const pool = createServerPool({ servers: [url], ca: creds.caPem });
      const client = createHttpClient({ pool, ca: creds.caPem, cert: creds.certPem, key: creds.keyPem, userAgent: `k3ts-bench/${nodeName}` });
      const kubelet = await startKubelet(
        {
          client,
          nodeName,
          nodeIP: `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`,
          runtime: new SimRuntime(),
          dataDir: nodeDir,
          capacity: { cpu: '8', memory: '32Gi', pods: '110' },
          version: kubeletVersion,
          log: (msg, fields) => {
            if (stop.signal.aborted) return;
            if (kubeletErrors++ < 5) process.stderr.write(`kubelet ${nodeName}: ${msg} ${JSON.stringify(fields ?? {})}\n`);
          },
        },
        stop.signal,
      );
      kubelets.push({ kubelet, close: () => (client.close(), pool.close()) });
    });
    const joinAndRegisterMs = performance.now() - tJoin;
    const readyDeadline = performance.now() + 60_000;
    while (nodes.readyCount() < nodeCount) {
      if (performance.now() > readyDeadline) throw new Error(`only ${nodes.readyCount()} of ${nodeCount} nodes Ready after 60 s`);
      await sleep(20);
    }
    const allReadyMs = performance.now() - tJoin;
    const cpuJoin = cpuSeconds(pid) - cpuMark;
    log(`  ${nodeCount} kubelets started in ${Math.round(joinAndRegisterMs)} ms, all Ready after ${Math.round(allReadyMs)} ms`);
    await sleep(5000);
    const serverRssNodesIdleMb = rssMb(pid);
    const serverMemNodesIdle = await readMemory(memFile);
    const serverFdsNodesIdle = openFds(pid);
    const benchRssNodesIdleMb = rssMb(process.pid);
    log(`  idle with ${nodeCount} nodes: server RSS ${serverRssNodesIdleMb} MB, bench RSS ${benchRssNodesIdleMb} MB`);
    await opts.onPhase?.('nodes-idle', pid);

    // 2b. Deployments, all created at once; a watcher stamps each pod's creation, binding and Running.
    const pods = new Map<string, PodTimes>();
    let boundCount = 0;
    let runningCount = 0;
    const runningPerApp = new Map<string, number>();
    const appDone = new Map<string, number>();
    await admin.watch(
      podsType,
      { namespace: 'default' },
      {
        onEvent: (ev) => {
          if (ev.type === 'DELETED') return;
          const t = performance.now();
          const pod = ev.object as Pod;
          const key = pod.metadata!.name!;
          let p = pods.get(key);
          if (!p) pods.set(key, (p = { app: pod.metadata?.labels?.app ?? '', created: t }));
          if (p.bound === undefined && pod.spec?.nodeName) {
            p.bound = t;
            p.node = pod.spec.nodeName;
            boundCount++;
          }
          if (p.running === undefined && pod.status?.phase === 'Running') {
            p.running = t;
            runningCount++;
            const n = (runningPerApp.get(p.app) ?? 0) + 1;
            runningPerApp.set(p.app, n);
            if (n === replicas) appDone.set(p.app, t);
          }
        },
      },
      stop.signal,
    );
    const names = Array.from({ length: deploymentCount }, (_, i) => `dep-${String(i).padStart(2, '0')}`);
    const createdAt = new Map<string, number>();
    const loadPods = loadavg().map(round2);
    log(`creating ${deploymentCount} Deployments x ${replicas} replicas at once (load average ${loadPods.join(' ')})`);
    const tDeploy = performance.now();
    await Promise.all(
      names.map(async (name) => {
        createdAt.set(name, performance.now());
        await admin!.create(deploymentsType, deployment(name, replicas));
      }),
    );
    const deadline = tDeploy + (opts.deploymentTimeoutMs ?? 180_000);
    let lastLog = performance.now();
    while (appDone.size < deploymentCount && performance.now() < deadline) {
      await sleep(50);
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`  ${pods.size} created, ${boundCount} bound, ${runningCount} Running, ${appDone.size}/${deploymentCount} Deployments complete`);
      }
    }
    const cpuDeploy = cpuSeconds(pid) - cpuMark;
    cpuMark = cpuSeconds(pid);
    if (appDone.size < deploymentCount) log(`  gave up: ${runningCount} of ${total} pods Running`);

    const all = [...pods.values()];
    const times = (f: (p: PodTimes) => number | undefined) => all.map(f).filter((x): x is number => x !== undefined);
    const created = times((p) => p.created);
    const bound = times((p) => p.bound);
    const running = times((p) => p.running);
    const rate = (ts: number[]) => (ts.length > 1 ? Math.round((ts.length / (Math.max(...ts) - Math.min(...ts))) * 1000) : 0);
    const perDeployment = names.map((n) => (appDone.get(n) ?? NaN) - createdAt.get(n)!).filter((x) => !Number.isNaN(x));
    const createToBound = times((p) => (p.bound !== undefined && p.created !== undefined ? p.bound - p.created : undefined));
    const boundToRunning = times((p) => (p.running !== undefined && p.bound !== undefined ? p.running - p.bound : undefined));
    const perNode = new Map<string, number>();
    for (const p of all) if (p.node) perNode.set(p.node, (perNode.get(p.node) ?? 0) + 1);
    const loads = [...perNode.values()];

    // The first 10 s still drain the burst (events, late status updates); the next 10 s are the
    // cost of 100 nodes holding 3,000 pods: heartbeats, leases, watches.
    log(`  steady state: waiting 10 s with ${runningCount} pods Running, then 10 s more for CPU`);
    await sleep(10_000);
    const serverRssSteadyMb = rssMb(pid);
    const serverMemSteady = await readMemory(memFile);
    const serverFdsSteady = openFds(pid);
    const benchRssSteadyMb = rssMb(process.pid);
    const cpuSettle = cpuSeconds(pid) - cpuMark;
    cpuMark = cpuSeconds(pid);
    const benchCpuMark = process.cpuUsage();
    await sleep(10_000);
    const cpuSteady = cpuSeconds(pid) - cpuMark;
    const benchCpu = process.cpuUsage(benchCpuMark);
    const benchCpuSteady = (benchCpu.user + benchCpu.system) / 1e6;
    log(`  server RSS ${serverRssSteadyMb} MB, bench RSS ${benchRssSteadyMb} MB; CPU over 10 s: server ${round2(cpuSteady)} s, bench ${round2(benchCpuSteady)} s`);
    // RSS right after the burst holds a V8 heap grown for it and not yet shrunk (most of it garbage):
    // the settled figure is read once the server has been quiet for a while.
    const rssTail: Array<{ s: number; rssMb: number; heapUsedMb?: number; heapTotalMb?: number }> = [];
    for (let t = 10; t <= (opts.rssTailS ?? 30); t += 10) {
      await sleep(10_000 - 600);
      const m = await readMemory(memFile);
      rssTail.push({ s: t, rssMb: rssMb(pid), heapUsedMb: m?.heapUsed, heapTotalMb: m?.heapTotal });
      log(`  +${t} s: server RSS ${rssTail.at(-1)!.rssMb} MB, JS heap ${m?.heapUsed}/${m?.heapTotal} MB`);
    }
    await opts.onPhase?.('steady', pid);
    // What Prometheus pays to scrape the control plane with 100 nodes and 3,000 pods behind it.
    const scrapes: number[] = [];
    let scrapeBytes = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      scrapeBytes = await fetchBytes(`${url}/metrics`, kc);
      scrapes.push(performance.now() - t0);
    }
    const metricsScrape = { p50Ms: round2(percentile(scrapes, 50)), bytes: scrapeBytes };
    log(`  /metrics scrape: ${metricsScrape.p50Ms} ms (median of 5), ${Math.round(scrapeBytes / 1024)} KB`);

    return {
      params: { agents: agentCount, nodes: nodeCount, deployments: deploymentCount, replicas },
      agents: {
        firstJoinMs,
        firstJoinMedianMs: round2(median(firstJoinMs)),
        restartMs,
        restartMedianMs: round2(median(restartMs)),
        loggedFirstStartupMs: loggedFirst,
        loggedRestartStartupMs: loggedRestart,
        rssMb: agentRss,
      },
      nodes: { joinAndRegisterMs: Math.round(joinAndRegisterMs), allReadyMs: Math.round(allReadyMs) },
      pods: {
        total,
        running: runningCount,
        createdPerSecond: rate(created),
        boundPerSecond: rate(bound),
        allBoundMs: bound.length ? Math.round(Math.max(...bound) - tDeploy) : NaN,
        allRunningMs: running.length ? Math.round(Math.max(...running) - tDeploy) : NaN,
        deploymentP50Ms: Math.round(percentile(perDeployment, 50)),
        deploymentP99Ms: Math.round(percentile(perDeployment, 99)),
        deploymentMaxMs: Math.round(percentile(perDeployment, 100)),
        createToBoundP50Ms: Math.round(percentile(createToBound, 50)),
        createToBoundP99Ms: Math.round(percentile(createToBound, 99)),
        boundToRunningP50Ms: Math.round(percentile(boundToRunning, 50)),
        boundToRunningP99Ms: Math.round(percentile(boundToRunning, 99)),
        minPodsPerNode: loads.length < nodeCount ? 0 : Math.min(...loads),
        maxPodsPerNode: loads.length ? Math.max(...loads) : 0,
        kubeletErrors,
      },
      memory: { serverRssIdleMb, serverRssNodesIdleMb, serverRssSteadyMb, benchRssNodesIdleMb, benchRssSteadyMb, serverFdsNodesIdle, serverFdsSteady, serverRssSettledMb: rssTail.at(-1)?.rssMb ?? serverRssSteadyMb, settledAfterS: 20 + (rssTail.at(-1)?.s ?? 0) },
      serverMemory: { idle: serverMemIdle, nodesIdle: serverMemNodesIdle, steady: serverMemSteady },
      serverRssTail: rssTail,
      metricsScrape,
      serverCpuS: { agents: round2(cpuAgents), join: round2(cpuJoin), deployments: round2(cpuDeploy), settle: round2(cpuSettle), steady: round2(cpuSteady) },
      benchCpuSteadyS: round2(benchCpuSteady),
      loadavg: { start: loadStart, pods: loadPods, end: loadavg().map(round2) },
      elapsedS: round2((performance.now() - T0) / 1000),
    };
  } catch (err) {
    if (server) process.stderr.write(`server stderr (tail):\n${server.stderrTail()}\n`);
    throw err;
  } finally {
    await cleanup();
  }
}

/** The rows `npm run bench` and this file print. */
export function nodeRows(r: NodesBenchResult, s: SchedulerBenchResult | undefined): Row[] {
  const p = r.pods;
  const { deployments, replicas, nodes, agents } = r.params;
  const rows: Row[] = [
    { figure: `agent spawn -> Node Ready, first join (median of ${agents})`, value: `${ms(r.agents.firstJoinMedianMs)} (${ms(Math.min(...r.agents.firstJoinMs))}–${ms(Math.max(...r.agents.firstJoinMs))})`, target: verdict('< 2 s', r.agents.firstJoinMedianMs < 2000) },
    { figure: `agent spawn -> Node Ready, restart (median of ${agents})`, value: `${ms(r.agents.restartMedianMs)} (${ms(Math.min(...r.agents.restartMs))}–${ms(Math.max(...r.agents.restartMs))})`, target: verdict('< 2 s', r.agents.restartMedianMs < 2000) },
    { figure: 'agent process RSS, just Ready (median)', value: mb(median(r.agents.rssMb)), upstream: 'K3s agent ~275 MB' },
    { figure: `${nodes} in-process nodes: join + register / all Ready`, value: `${ms(r.nodes.joinAndRegisterMs)} / ${ms(r.nodes.allReadyMs)}` },
    { figure: `${deployments}x${replicas} pods: created/s, bound/s (watcher)`, value: `${p.createdPerSecond} / ${p.boundPerSecond}`, upstream: 'kube-scheduler ~30 pods/s (density run)' },
    { figure: 'Deployments created -> all bound / all Running', value: `${ms(p.allBoundMs)} / ${ms(p.allRunningMs)} (${p.running} of ${p.total} Running)`, target: verdict(`${p.total} Running`, p.running === p.total) },
    { figure: `Deployment of ${replicas} create -> all Running p50 / p99`, value: `${ms(p.deploymentP50Ms)} / ${ms(p.deploymentP99Ms)}` },
    { figure: 'pod bound -> Running p50 / p99', value: `${ms(p.boundToRunningP50Ms)} / ${ms(p.boundToRunningP99Ms)}`, upstream: 'SLO: pod startup p99 ≤ 5 s' },
    { figure: 'pods per node, fewest / most', value: `${p.minPodsPerNode} / ${p.maxPodsPerNode}` },
    { figure: `server RSS: idle / ${nodes} nodes / ${p.total} pods +10 s`, value: `${mb(r.memory.serverRssIdleMb)} / ${mb(r.memory.serverRssNodesIdleMb)} / ${mb(r.memory.serverRssSteadyMb)}` },
    { figure: `server RSS: ${nodes} nodes, ${p.total} pods, settled (+${r.memory.settledAfterS} s)`, value: mb(r.memory.serverRssSettledMb), target: verdict('< 300 MB', r.memory.serverRssSettledMb < 300), upstream: 'k0s: 2,300 MB at 100 nodes / 10k pods' },
    { figure: 'server JS heap used / total: idle / nodes / steady', value: (['idle', 'nodesIdle', 'steady'] as const).map((k) => { const m = r.serverMemory[k]; return m ? `${m.heapUsed}/${m.heapTotal}` : '?'; }).join(' / ') + ' MB' },
    { figure: `bench process RSS (${nodes} kubelets): idle / steady`, value: `${mb(r.memory.benchRssNodesIdleMb)} / ${mb(r.memory.benchRssSteadyMb)}` },
    { figure: `control-plane /metrics scrape at steady state (median of 5)`, value: `${r.metricsScrape.p50Ms} ms, ${Math.round(r.metricsScrape.bytes / 1024)} KB` },
    { figure: `server CPU: ${nodes} joins / Deployments / 10 s steady`, value: `${r.serverCpuS.join} s / ${r.serverCpuS.deployments} s / ${r.serverCpuS.steady} s` },
    { figure: `bench process CPU (${nodes} kubelets), 10 s steady`, value: `${r.benchCpuSteadyS} s` },
  ];
  if (s) {
    rows.push({ figure: `scheduler in process, ${s.nodes} nodes / ${s.pods} pods`, value: `${s.podsPerSecond} pods/s (all in ${ms(s.totalMs)}, skew ${s.worstSpreadSkew})`, target: verdict('≥ 1,000 pods/s', s.podsPerSecond >= 1000), upstream: 'kube-scheduler ~800–900 pods/s (micro-bench)' });
  }
  return rows;
}

/** Asks the server for a heap snapshot and waits until the file is complete (it stops growing). */
async function heapSnapshot(dir: string, phase: string, pid: number, log: (msg: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let file: string | undefined;
  let size = -1;
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    file ??= readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) break;
    size = now;
  }
  if (file) renameSync(join(dir, file), join(dir, `server-${phase}.heapsnapshot`));
  log(`  heap snapshot at ${phase}: ${file ? join(dir, `server-${phase}.heapsnapshot`) : 'none written'}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = performance.now();
  const log = (msg: string) => process.stderr.write(`[nodes +${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
  const flag = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  // The scheduler first, while this process holds nothing else.
  const scheduler = process.argv.includes('--no-scheduler') ? undefined : (log('scheduler in process: 100 nodes, 3,000 pods'), await benchScheduler({ nodes: 100, pods: 3000 }));
  const snapshotDir = process.argv.includes('--heap-snapshot') ? resolve(process.argv[process.argv.indexOf('--heap-snapshot') + 1] ?? '.') : undefined;
  const result = await benchNodes({
    log,
    agents: flag('agents', 5),
    nodes: flag('nodes', 100),
    deployments: flag('deployments', 30),
    replicas: flag('replicas', 100),
    rssTailS: flag('rss-tail', 30),
    ...(process.env.K3TS_BENCH_SERVER_CPU_PROF ? { serverNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${process.env.K3TS_BENCH_SERVER_CPU_PROF}`] } : {}),
    ...(snapshotDir ? { serverNodeFlags: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`], onPhase: (phase, pid) => heapSnapshot(snapshotDir, phase, pid, log) } : {}),
  });
  process.stdout.write(`\nk3ts nodes bench, node ${process.version}, ${cpus().length} CPUs, load average ${result.loadavg.start.join(' ')} at start, ${result.loadavg.pods.join(' ')} at the Deployments, ${loadavg().map(round2).join(' ')} at end\n${renderTable(nodeRows(result, scheduler))}\n`);
  process.stdout.write(`${JSON.stringify({ nodes: result, schedulerInProcess: scheduler })}\n`);
  process.exit(0);
}

/** The body's size of an authenticated GET, read to the end. */
function fetchBytes(url: string, kc: { caPem: string; certPem?: string; keyPem?: string }): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(url, { ca: kc.caPem, cert: kc.certPem, key: kc.keyPem }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolvePromise(n) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
