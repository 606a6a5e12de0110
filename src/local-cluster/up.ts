// `k3ts up`: a whole cluster on this machine — one server and N agents as separate processes, each
// node with its own data dir and IP — then wait until every node is Ready. With real containers
// each node also gets a network namespace of its own (node-network.ts), so the pod network,
// Services and NodePorts are those of separate hosts; with simulated ones the nodes share loopback
// (127.0.0.x). `down` undoes all of it.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { createHttpClient } from '../client/http-client.js';
import { createServerPool } from '../client/server-pool.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import type { KObject } from '../registry/types.js';
import { chooseNodeCidr, createUpNetwork, nodeCidrConflict, hostRouteDestinations, netnsPath, planUpNetwork, removeUpNetwork, type UpNetwork } from './node-network.js';
import { isStillOurs, startDetached, stopProcess, type RecordedProcess } from './processes.js';
import { readUpState, statePath, writeUpState } from './state.js';
import { MonitoringError, findPrometheus, portFree, startMonitoring, type Monitoring } from './monitoring.js';
import type { Client } from '../client/types.js';

export class UpError extends Error {}

export interface UpOptions {
  dataDir: string;
  agents: number;
  port: number;
  /** bin/k3ts's compiled entry point, started with this Node. */
  entry: string;
  readyTimeoutMs?: number;
  /** Extra flags for the server (tests shorten timings with these). */
  serverArgs?: string[];
  /** The container runtime of every node. */
  runtime: 'containerd' | 'sim';
  /** Each node in a network namespace of its own (needs root); else all on loopback. */
  isolateNodes: boolean;
  /** The nodes' /24 when isolated; else the first free 10.45.N.0/24. */
  nodeCidr?: string;
  /** registries.yaml for every node (copied to each node's data dir, where a node reads it). */
  privateRegistry?: string;
  progress?(line: string): void;
  /** Also run Prometheus on 127.0.0.1:<port> scraping every node (monitoring.ts). */
  monitoring?: { port: number; scrapeIntervalSeconds?: number };
}

export interface UpResult {
  kubeconfig: string;
  nodes: Array<{ name: string; ip: string; ready: boolean }>;
  processes: RecordedProcess[];
  network?: UpNetwork;
  monitoring?: Monitoring;
}

export const serverNodeName = 'k3ts-server';
export const agentNodeName = (i: number) => `k3ts-agent-${i}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

function tail(path: string, lines = 5): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, watch: RecordedProcess[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    for (const p of watch) {
      if (!isStillOurs(p)) throw new UpError(`the ${p.role} exited while waiting for ${what}; its log (${p.log}) ends with:\n${tail(p.log)}`);
    }
    if (Date.now() > deadline) throw new UpError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; see the logs in ${join(watch[0]?.log ?? '', '..')}`);
    await sleep(200);
  }
}

export async function up(o: UpOptions): Promise<UpResult> {
  if (!Number.isInteger(o.agents) || o.agents < 0 || o.agents > 250) throw new UpError(`--agents: "${o.agents}" must be a whole number from 0 to 250`);
  const existing = readUpState(o.dataDir);
  if (existing?.processes.some(isStillOurs)) {
    throw new UpError(`a cluster started by "k3ts up" is already running from ${o.dataDir}; run "k3ts down${o.dataDir ? ` --data-dir ${o.dataDir}` : ''}" first`);
  }
  if (!o.isolateNodes && (await portInUse(o.port))) throw new UpError(`port ${o.port} on 127.0.0.1 is already in use: stop what uses it, or pass --port`);
  if (o.monitoring) {
    // Before anything starts: a missing Prometheus or a taken port is known now.
    try {
      findPrometheus();
    } catch (err) {
      throw new UpError((err as MonitoringError).message);
    }
    if (!(await portFree(o.monitoring.port))) throw new UpError(`--monitoring-port: port ${o.monitoring.port} on 127.0.0.1 is already in use; stop what uses it, or choose another port`);
  }
  if (existing) await down(o.dataDir); // leftovers of a crashed run: containers and mounts included
  const logs = join(o.dataDir, 'logs');
  await mkdir(logs, { recursive: true, mode: 0o700 });
  const kubeconfig = join(o.dataDir, 'kubeconfig.yaml');
  const serverDir = join(o.dataDir, 'server');
  const processes: RecordedProcess[] = [];
  const roles = ['server', ...Array.from({ length: o.agents }, (_, i) => `agent ${i + 1}`)];
  let network: UpNetwork | undefined;
  const record = () => writeUpState(o.dataDir, { port: o.port, kubeconfig, processes, ...(network ? { network } : {}) });
  const timeout = o.readyTimeoutMs ?? 60_000;
  try {
    if (o.isolateNodes) {
      const routes = await hostRouteDestinations();
      const conflict = o.nodeCidr && nodeCidrConflict(o.nodeCidr, routes);
      if (conflict) throw new UpError(`--node-cidr ${o.nodeCidr} overlaps ${conflict}, already in use on this machine; choose another /24`);
      network = planUpNetwork(o.dataDir, roles, o.nodeCidr ?? chooseNodeCidr(routes, o.dataDir));
      await record(); // first, so a crash half-way leaves down something to undo
      o.progress?.(`creating a network namespace per node on bridge ${network.bridge} (${network.cidr}; this machine is ${network.gateway})`);
      await createUpNetwork(network);
    }
    const nodeIp = (i: number) => network?.nodes[i]!.ip ?? `127.0.0.${i + 1}`;
    const netnsOf = (i: number) => (network ? netnsPath(network.nodes[i]!.netns) : undefined);
    const serverIp = nodeIp(0);
    const nodeDirs = roles.map((_, i) => join(o.dataDir, i === 0 ? 'server' : `agent-${i}`));
    if (o.privateRegistry) {
      for (const dir of nodeDirs) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await copyFile(o.privateRegistry, join(dir, 'registries.yaml'));
      }
    }
    o.progress?.(`starting the server (node ${serverNodeName}, https://${serverIp}:${o.port})`);
    const server = startDetached(
      'server',
      o.entry,
      ['server', '--data-dir', serverDir, '--https-listen-port', String(o.port), '--bind-address', serverIp, '--node-ip', serverIp, '--node-name', serverNodeName, '--write-kubeconfig', kubeconfig, '--runtime', o.runtime, ...(o.serverArgs ?? [])],
      join(logs, 'server.log'),
      netnsOf(0),
    );
    processes.push(server);
    await record();
    const tokenFile = join(serverDir, 'server', 'token');
    await waitFor('the server to be ready', timeout, () => (existsSync(kubeconfig) && existsSync(tokenFile) && tail(server.log, 50).includes('k3ts server is ready') ? true : undefined), [server]);
    for (let i = 1; i <= o.agents; i++) {
      const ip = nodeIp(i);
      o.progress?.(`starting agent ${i} (node ${agentNodeName(i)}, ${ip})`);
      processes.push(
        startDetached(
          `agent ${i}`,
          o.entry,
          ['agent', '--server', `https://${serverIp}:${o.port}`, '--token-file', tokenFile, '--data-dir', nodeDirs[i]!, '--node-ip', ip, '--node-name', agentNodeName(i), '--runtime', o.runtime],
          join(logs, `agent-${i}.log`),
          netnsOf(i),
        ),
      );
    }
    await record();
    const nodes = await waitForReadyNodes(kubeconfig, o.agents + 1, timeout, processes);
    let monitoring: Monitoring | undefined;
    if (o.monitoring) {
      o.progress?.(`starting Prometheus on 127.0.0.1:${o.monitoring.port}`);
      monitoring = await withAdminClient(kubeconfig, (client) =>
        startMonitoring({
          dataDir: o.dataDir,
          serverDir,
          apiServer: `${serverIp}:${o.port}`,
          nodes: nodes.map((n) => n.name),
          port: o.monitoring!.port,
          scrapeIntervalSeconds: o.monitoring!.scrapeIntervalSeconds,
          client,
          started: async (p) => {
            processes.push(p);
            await record();
          },
        }),
      );
    }
    return { kubeconfig, nodes, processes, ...(network ? { network } : {}), ...(monitoring ? { monitoring } : {}) };
  } catch (err) {
    // Nothing half-started stays behind; the logs stay for reading.
    for (const p of [...processes].reverse()) await stopProcess(p, 5000);
    if (network) {
      // Containers first: their shims hold the nodes' namespaces.
      await removeNodeContainers(o.dataDir).catch(() => undefined);
      await removeUpNetwork(network);
    }
    await rm(statePath(o.dataDir), { force: true });
    throw err;
  }
}

async function withAdminClient<T>(kubeconfigPath: string, use: (client: Client) => Promise<T>): Promise<T> {
  const kc = loadKubeconfig(kubeconfigPath);
  const pool = createServerPool({ servers: [kc.server], ca: kc.caPem });
  const client = createHttpClient({ pool, ca: kc.caPem, cert: kc.certPem, key: kc.keyPem, userAgent: 'k3ts-up' });
  try {
    return await use(client);
  } finally {
    client.close();
    pool.close();
  }
}

async function waitForReadyNodes(kubeconfigPath: string, count: number, timeoutMs: number, processes: RecordedProcess[]) {
  const kc = loadKubeconfig(kubeconfigPath);
  const pool = createServerPool({ servers: [kc.server], ca: kc.caPem });
  const client = createHttpClient({ pool, ca: kc.caPem, cert: kc.certPem, key: kc.keyPem, userAgent: 'k3ts-up' });
  try {
    return await waitFor(`${count} nodes to be Ready`, timeoutMs, async () => {
      const list = await client.list({ group: '', version: 'v1', resource: 'nodes' }).catch(() => undefined);
      const nodes = (list?.items ?? []).map((n: KObject) => {
        const st = n.status as { conditions?: Array<{ type: string; status: string }>; addresses?: Array<{ type: string; address: string }> } | undefined;
        return {
          name: n.metadata.name!,
          ip: st?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
          ready: st?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        };
      });
      return nodes.length >= count && nodes.every((n) => n.ready) ? nodes : undefined;
    }, processes);
  } finally {
    client.close();
    pool.close();
  }
}

export interface DownResult {
  stopped: string[];
  removed: boolean;
}

/** Stops what `up` started (agents first), removes every node's containers, pod networks and
 *  mounts, and then its data dir. */
export async function down(dataDir: string): Promise<DownResult> {
  const state = readUpState(dataDir);
  if (!state && !existsSync(join(dataDir, 'server')) && !existsSync(join(dataDir, 'logs'))) return { stopped: [], removed: false };
  const stopped: string[] = [];
  for (const p of [...(state?.processes ?? [])].reverse()) {
    if (!isStillOurs(p)) continue;
    if (!(await stopProcess(p))) throw new UpError(`the ${p.role} (pid ${p.pid}) did not stop; nothing was removed`);
    stopped.push(p.role);
  }
  const busy = await removeNodeContainers(dataDir);
  if (state?.network) {
    const left = await removeUpNetwork(state.network);
    if (left.length) throw new UpError(`could not remove ${left.join('; ')}; run k3ts down again`);
  }
  // Never rm -r through a mount: it would delete what the mount shows (a hostPath's files).
  if (busy.length) throw new UpError(`still mounted (busy): ${busy.join(', ')}; close what uses them and run k3ts down again`);
  await rm(dataDir, { recursive: true, force: true });
  return { stopped, removed: true };
}

/** Containers outlive their agent on purpose; when the nodes go away, they go too. Returns the
 *  mounts still busy. */
async function removeNodeContainers(dataDir: string): Promise<string[]> {
  const nodeDirs = (await readdir(dataDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && existsSync(join(dataDir, e.name, 'agent')))
    .map((e) => join(dataDir, e.name));
  const busy: string[] = [];
  // Loaded only here: it brings the gRPC client, which `k3ts up` and every other command can do without.
  const { killallNodeDir } = await import('../agent/killall.js');
  for (const dir of nodeDirs) {
    const report = await killallNodeDir(dir, () => undefined, { network: false });
    busy.push(...report.stillMounted);
  }
  return busy;
}
