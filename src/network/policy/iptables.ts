// The few host commands policy enforcement runs, through an injected RunCommand so tests can point
// them at a network namespace. Jumps are checked (-C) before they are inserted (-I): a resync that
// finds the jump in place changes nothing, and one that finds it gone puts it back first in line.
import { mustRun, type RunCommand } from '../host-command.js';
import { DISPATCH_CHAIN } from './rules.js';
import { ownChainsIn, renderRemoval } from './restore.js';

/** Built-in chains that jump to the dispatch chain. Traffic between a node and its own pods
 *  (INPUT/OUTPUT) is left alone, as upstream documents, so kubelet probes keep working. */
export const HOOK_CHAINS = ['FORWARD'] as const;

const jumpArgs = (hook: string) => [hook, '-j', DISPATCH_CHAIN];

export async function listOwnChains(run: RunCommand): Promise<string[]> {
  return ownChainsIn(await mustRun(run, 'iptables-save', ['-t', 'filter']));
}

export async function restore(run: RunCommand, text: string): Promise<void> {
  if (text) await mustRun(run, 'iptables-restore', ['--noflush'], text);
}

export async function ensureJumps(run: RunCommand): Promise<void> {
  for (const hook of HOOK_CHAINS) {
    const check = await run('iptables', ['-t', 'filter', '-C', ...jumpArgs(hook)]);
    if (check.code !== 0) await mustRun(run, 'iptables', ['-t', 'filter', '-I', hook, '1', '-j', DISPATCH_CHAIN]);
  }
}

/** Removes every jump to the dispatch chain (duplicates too), then all our chains. */
export async function removeAll(run: RunCommand): Promise<void> {
  for (const hook of HOOK_CHAINS) {
    for (let i = 0; i < 100; i++) {
      if ((await run('iptables', ['-t', 'filter', '-D', ...jumpArgs(hook)])).code !== 0) break;
    }
  }
  await restore(run, renderRemoval(await listOwnChains(run)));
}

/**
 * Pods on one node talk across a Linux bridge; only with bridge-nf-call-iptables do those frames
 * pass FORWARD, where the pod chains are. Returns a reason when it cannot be set (no br_netfilter).
 */
export async function ensureBridgeNetfilter(run: RunCommand): Promise<string | undefined> {
  const r = await run('sysctl', ['-w', 'net.bridge.bridge-nf-call-iptables=1']);
  return r.code === 0 ? undefined : r.stderr.trim() || `sysctl exited ${r.code}`;
}
