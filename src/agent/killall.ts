// Takes a node off this machine completely: the k3ts process that runs it is stopped first (it
// would start every pod again), then everything its containerd left running or mounted is removed.
// Stopping an agent alone keeps its containers on purpose, so a restart adopts them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeNodeNetwork } from '../network/node-cleanup.js';
import { killallNode, type KillallReport } from '../runtime/containerd/killall.js';
import { nodeOwner } from './node-owner.js';
import { stopProcess } from './process-identity.js';

export interface NodeKillallResult extends KillallReport {
  /** The PID of the k3ts process that was running the node, if one was. */
  stoppedPid?: number;
  /** What of the node's network (iptables chains, the VXLAN device) was removed. */
  networkRemoved: string[];
}

export class KillallError extends Error {}

/** `network`: also remove the node's network from this network namespace; not for `k3ts down`,
 *  whose nodes' namespaces go whole (and whose host may run a node of its own). */
export async function killallNodeDir(dataDir: string, log: (msg: string, fields?: Record<string, unknown>) => void, o: { network: boolean } = { network: true }): Promise<NodeKillallResult> {
  const agentDir = join(dataDir, 'agent');
  const owner = nodeOwner(agentDir);
  if (owner && owner.pid !== process.pid) {
    if (!(await stopProcess(owner, 15_000))) throw new KillallError(`the k3ts process running ${dataDir} (pid ${owner.pid}) did not stop; nothing was removed`);
  }
  const report = await killallNode({ agentDir, log });
  const networkRemoved = o.network && existsSync(join(agentDir, 'containerd')) ? await removeNodeNetwork() : [];
  return { ...report, networkRemoved, ...(owner ? { stoppedPid: owner.pid } : {}) };
}
