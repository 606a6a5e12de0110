// `k3ts agent`: prove who this node is, get its certificate, then run the node against every
// server it knows: API traffic balanced client-side over the healthy servers, one tunnel to each.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHttpClient } from '../client/http-client.js';
import { createServerPool } from '../client/server-pool.js';
import { kubeletVersion } from '../apiserver/version.js';
import type { AgentConfig } from './config.js';
import { obtainNodeCredentials } from './credentials.js';
import { ensureNodePassword, resolveNodeName } from './node-identity.js';
import { routeSourceAddress } from './node-ip.js';
import { startNode } from './node.js';
import { claimNode } from './node-owner.js';
import { followServers, loadSavedServers } from './server-list.js';
import { startTunnelClients } from './tunnel-client.js';

/** What the agent logs through; the process's logger (server/log.ts) fits it. The agent never
 *  imports from server/, which embeds it. */
export interface AgentLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface RunningAgent {
  readonly nodeName: string;
  close(): Promise<void>;
}

export async function runAgent(config: Readonly<AgentConfig>, log: AgentLogger): Promise<RunningAgent> {
  const started = performance.now();
  await mkdir(join(config.dataDir, 'agent'), { recursive: true, mode: 0o700 });
  // Before anything is sent to a server: a second agent on this dir must not even join.
  const owner = await claimNode(join(config.dataDir, 'agent'));
  try {
    return await joinAndRun(config, log, started, owner);
  } catch (err) {
    owner.release();
    throw err;
  }
}

async function joinAndRun(config: Readonly<AgentConfig>, log: AgentLogger, started: number, owner: { release(): void }): Promise<RunningAgent> {
  const nodeName = await resolveNodeName({ nodeName: config.nodeName, hostname: config.hostname, withNodeId: config.withNodeId, dataDir: config.dataDir });
  const nodePassword = await ensureNodePassword(config.dataDir);
  const serverUrl = new URL(config.server);
  let nodeIp = config.nodeIp;
  if (!nodeIp) {
    nodeIp = await routeSourceAddress(serverUrl.hostname, Number(serverUrl.port || 6443));
    log.info('node IP picked: the address of the interface that routes to the server (pass --node-ip to choose another)', { nodeIp, server: config.server });
  }
  const credentials = await obtainNodeCredentials({
    server: config.server,
    token: config.token,
    nodeName,
    nodePassword,
    dataDir: config.dataDir,
    log: (msg, fields) => log.warn(msg, fields),
  });

  const servers = [...new Set([config.server, ...(await loadSavedServers(config.dataDir))])];
  const pool = createServerPool({ servers, ca: credentials.caPem, onChange: (healthy) => log.info('API servers in rotation', { healthy }) });
  const client = createHttpClient({ pool, ca: credentials.caPem, cert: credentials.certPem, key: credentials.keyPem, userAgent: `k3ts-agent/${nodeName}` });
  const abort = new AbortController();
  const closers: Array<() => Promise<void> | void> = [() => owner.release(), () => pool.close(), () => client.close(), () => abort.abort()];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const node = await startNode({
      client,
      nodeName,
      nodeIp,
      // As K3s (its kubelet's --hostname-override): the hostname label is the node's name, so
      // anti-affinity and topology spread by hostname tell apart nodes that share a machine.
      hostname: nodeName,
      labels: config.labels,
      taints: config.taints,
      dataDir: config.dataDir,
      runtime: config,
      kubeletVersion,
      log: (msg, fields) => log.info(msg, fields),
    });
    closers.push(() => node.stop());
    const tunnels = startTunnelClients({ credentials, targets: { kubelet: node.kubeletSocket }, log: (msg, fields) => log.info(msg, fields) });
    closers.push(() => tunnels.close());
    tunnels.setServers(servers);
    await followServers(
      {
        client,
        dataDir: config.dataDir,
        initial: config.server,
        onServers: (urls) => {
          pool.setServers(urls);
          tunnels.setServers(urls);
        },
        onError: (err) => log.warn('following the server list failed', { error: (err as Error)?.message ?? String(err) }),
      },
      abort.signal,
    );
    log.info('k3ts agent is running', { node: nodeName, nodeIp, servers, startupMs: Math.round(performance.now() - started) });
    return { nodeName, close };
  } catch (err) {
    await close();
    throw err;
  }
}
