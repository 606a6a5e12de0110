// <data-dir>/agent/k3ts.pid: which process runs this node. Two processes on one node dir would run
// two containerds over the same state and fight over every pod, so the second is refused; and
// `k3ts killall` learns from it which process to stop before it removes the node's containers.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../pki/files.js';
import { currentProcess, isRunning, type ProcessIdentity } from './process-identity.js';

export class NodeBusyError extends Error {}

export const ownerFile = (agentDir: string) => join(agentDir, 'k3ts.pid');

/** The live process that runs the node in `agentDir`, if any. */
export function nodeOwner(agentDir: string): ProcessIdentity | undefined {
  try {
    const p = JSON.parse(readFileSync(ownerFile(agentDir), 'utf8')) as ProcessIdentity;
    return Number.isInteger(p.pid) && isRunning(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/** Claims the node dir for this process; `release` gives it back. */
export async function claimNode(agentDir: string): Promise<{ release(): void }> {
  const owner = nodeOwner(agentDir);
  if (owner && owner.pid !== process.pid) {
    throw new NodeBusyError(`another k3ts process (pid ${owner.pid}) already runs the node in ${agentDir}: stop it first, or pass another --data-dir`);
  }
  const me = currentProcess();
  await writeFileAtomic(ownerFile(agentDir), `${JSON.stringify(me)}\n`, 0o600);
  return {
    release() {
      const now = nodeOwner(agentDir);
      if (!now || now.pid === me.pid) rmSync(ownerFile(agentDir), { force: true });
    },
  };
}
