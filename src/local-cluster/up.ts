// `k3ts up`: a whole cluster on this machine — one server and N agents as separate processes on
// loopback, each agent with its own 127.0.0.x node IP and data dir — then wait until every node
// is Ready. `down` undoes all of it.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { createHttpClient } from '../client/http-client.js';
import { createServerPool } from '../client/server-pool.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import type { KObject } from '../registry/types.js';
import { isStillOurs, startDetached, stopProcess, type RecordedProcess } from './processes.js';
import { readUpState, statePath, writeUpState } from './state.js';

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
  progress?(line: string): void;
}

export interface UpResult {
  kubeconfig: string;
  nodes: Array<{ name: string; ip: string; ready: boolean }>;
  processes: RecordedProcess[];
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
  if (await portInUse(o.port)) throw new UpError(`port ${o.port} on 127.0.0.1 is already in use: stop what uses it, or pass --port`);
  if (existing) await down(o.dataDir); // leftovers of a crashed run: containers and mounts included
  const logs = join(o.dataDir, 'logs');
  await mkdir(logs, { recursive: true, mode: 0o700 });
  const kubeconfig = join(o.dataDir, 'kubeconfig.yaml');
  const serverDir = join(o.dataDir, 'server');
  const processes: RecordedProcess[] = [];
  const record = () => writeUpState(o.dataDir, { port: o.port, kubeconfig, processes });
  const timeout = o.readyTimeoutMs ?? 60_000;
  try {
    o.progress?.(`starting the server (node ${serverNodeName}, https://127.0.0.1:${o.port})`);
    const server = startDetached(
      'server',
      o.entry,
      ['server', '--data-dir', serverDir, '--https-listen-port', String(o.port), '--bind-address', '127.0.0.1', '--node-ip', '127.0.0.1', '--node-name', serverNodeName, '--write-kubeconfig', kubeconfig, '--runtime', o.runtime, ...(o.serverArgs ?? [])],
      join(logs, 'server.log'),
    );
    processes.push(server);
    await record();
    const tokenFile = join(serverDir, 'server', 'token');
    await waitFor('the server to be ready', timeout, () => (existsSync(kubeconfig) && existsSync(tokenFile) && tail(server.log, 50).includes('k3ts server is ready') ? true : undefined), [server]);
    for (let i = 1; i <= o.agents; i++) {
      const ip = `127.0.0.${i + 1}`;
      o.progress?.(`starting agent ${i} (node ${agentNodeName(i)}, ${ip})`);
      processes.push(
        startDetached(
          `agent ${i}`,
          o.entry,
          ['agent', '--server', `https://127.0.0.1:${o.port}`, '--token-file', tokenFile, '--data-dir', join(o.dataDir, `agent-${i}`), '--node-ip', ip, '--node-name', agentNodeName(i), '--runtime', o.runtime],
          join(logs, `agent-${i}.log`),
        ),
      );
    }
    await record();
    const nodes = await waitForReadyNodes(kubeconfig, o.agents + 1, timeout, processes);
    return { kubeconfig, nodes, processes };
  } catch (err) {
    // Nothing half-started stays behind; the logs stay for reading.
    for (const p of [...processes].reverse()) await stopProcess(p, 5000);
    await rm(statePath(o.dataDir), { force: true });
    throw err;
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
  // Containers outlive their agent on purpose; here the nodes go away, so they go too.
  const nodeDirs = (await readdir(dataDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && existsSync(join(dataDir, e.name, 'agent')))
    .map((e) => join(dataDir, e.name));
  const busy: string[] = [];
  // Loaded only here: it brings the gRPC client, which `k3ts up` and every other command can do without.
  const { killallNodeDir } = await import('../agent/killall.js');
  for (const dir of nodeDirs) {
    const report = await killallNodeDir(dir, () => undefined);
    busy.push(...report.stillMounted);
  }
  // Never rm -r through a mount: it would delete what the mount shows (a hostPath's files).
  if (busy.length) throw new UpError(`still mounted (busy): ${busy.join(', ')}; close what uses them and run k3ts down again`);
  await rm(dataDir, { recursive: true, force: true });
  return { stopped, removed: true };
}
