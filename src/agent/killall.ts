// Takes a node off this machine completely: the k3ts process that runs it is stopped first (it
// would start every pod again), then everything its containerd left running or mounted is removed.
// Stopping an agent alone keeps its containers on purpose, so a restart adopts them.
import { join } from 'node:path';
import { killallNode, type KillallReport } from '../runtime/containerd/killall.js';
import { nodeOwner } from './node-owner.js';
import { stopProcess } from './process-identity.js';

export interface NodeKillallResult extends KillallReport {
  /** The PID of the k3ts process that was running the node, if one was. */
  stoppedPid?: number;
}

export class KillallError extends Error {}

export async function killallNodeDir(dataDir: string, log: (msg: string, fields?: Record<string, unknown>) => void): Promise<NodeKillallResult> {
  const agentDir = join(dataDir, 'agent');
  const owner = nodeOwner(agentDir);
  if (owner && owner.pid !== process.pid) {
    if (!(await stopProcess(owner, 15_000))) throw new KillallError(`the k3ts process running ${dataDir} (pid ${owner.pid}) did not stop; nothing was removed`);
  }
  const report = await killallNode({ agentDir, log });
  return { ...report, ...(owner ? { stoppedPid: owner.pid } : {}) };
}
