// One node's moving parts, the same in `k3ts agent` and in the agent a server runs for itself: the
// runtime (with its containerd, when the node runs one), its part of the cluster network (real
// containers only), the kubelet, and the kubelet API on a unix socket in the data dir (reached only
// through the tunnel, so a node opens no port).
import { createServer, type Server } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../client/types.js';
import { openNodeRuntime } from '../runtime/open.js';
import { startKubelet } from '../kubelet/kubelet.js';
import { createKubeletApi, createKubeletUpgradeHandler } from '../kubelet/api.js';
import type { NodeSettings, Taint } from './config.js';
import { claimNode } from './node-owner.js';
import { startNodeNetwork, type NodeNetwork } from './network.js';

export interface NodeOptions {
  client: Client;
  nodeName: string;
  nodeIp: string;
  hostname: string;
  labels: Record<string, string>;
  taints: Taint[];
  dataDir: string;
  runtime: Pick<NodeSettings, 'runtime' | 'containerRuntimeEndpoint' | 'privateRegistry' | 'network'>;
  kubeletVersion: string;
  log(msg: string, fields?: Record<string, unknown>): void;
}

export interface RunningNode {
  /** The kubelet API's unix socket. */
  readonly kubeletSocket: string;
  stop(): Promise<void>;
}

export async function startNode(o: NodeOptions): Promise<RunningNode> {
  const dir = join(o.dataDir, 'agent');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const kubeletSocket = join(dir, 'kubelet.sock');
  await rm(kubeletSocket, { force: true });
  const owner = await claimNode(dir);
  const abort = new AbortController();
  let network: NodeNetwork | undefined;
  let opened: Awaited<ReturnType<typeof openNodeRuntime>>;
  try {
    if (o.runtime.runtime === 'containerd') network = await startNodeNetwork({ client: o.client, nodeName: o.nodeName, nodeIp: o.nodeIp, settings: o.runtime.network, log: o.log });
    opened = await openNodeRuntime({
      kind: o.runtime.runtime,
      endpoint: o.runtime.containerRuntimeEndpoint,
      agentDir: dir,
      registriesFile: o.runtime.privateRegistry ?? join(o.dataDir, 'registries.yaml'),
      ...(network?.podMtu ? { podMtu: network.podMtu } : {}),
      log: o.log,
    });
  } catch (err) {
    await network?.stop();
    owner.release();
    throw err;
  }
  const { runtime } = opened;
  let kubelet: Awaited<ReturnType<typeof startKubelet>>;
  try {
    kubelet = await startKubelet(
      {
        client: o.client,
        nodeName: o.nodeName,
        nodeIP: o.nodeIp,
        hostname: o.hostname,
        labels: o.labels,
        taints: o.taints,
        runtime,
        dataDir: o.dataDir,
        logRoot: opened.logRoot,
        volumeRoot: opened.volumeRoot,
        version: o.kubeletVersion,
        ...(network ? { dns: network.dns, extraConditions: network.conditions } : {}),
        log: o.log,
      },
      abort.signal,
    );
  } catch (err) {
    await opened.close();
    await network?.stop();
    owner.release();
    throw err;
  }
  const api: Server = createServer(createKubeletApi(kubelet));
  // exec, attach and port-forward arrive as upgrades through the tunnel.
  const upgrades = createKubeletUpgradeHandler(kubelet, { log: o.log });
  api.on('upgrade', upgrades);
  await new Promise<void>((resolve, reject) => {
    api.once('error', reject);
    api.listen(kubeletSocket, () => resolve());
  });
  return {
    kubeletSocket,
    async stop() {
      abort.abort();
      await new Promise<void>((resolve) => {
        api.close(() => resolve());
        api.closeAllConnections();
        upgrades.closeAll();
      });
      await kubelet.stopped;
      await opened.close();
      // Like its containers, the node's network outlives the agent: a restart takes it over.
      await network?.stop({ leaveInPlace: true });
      await rm(kubeletSocket, { force: true });
      owner.release();
    },
  };
}
