// What `k3ts killall` removes of a node's network after its agent is gone: every iptables chain
// named K3TS-* (service proxy, overlay masquerade, network policy) with the jumps into them, and the
// VXLAN device (its routes, neighbours and fdb entries go with it). Found by name in what the
// kernel holds, not from what an agent remembers: a killed agent remembers nothing.
import { runCommand, type RunCommand } from './host-command.js';

const TABLES = ['filter', 'nat', 'mangle', 'raw'];
const OWN_CHAIN = /^K3TS-/;
export const OVERLAY_DEVICE = 'flannel.1';

/** iptables-restore input removing our chains from one table's `iptables-save` text; undefined when it has none. */
export function removalInput(table: string, saved: string): string | undefined {
  const ours = new Set<string>();
  const jumps: string[] = [];
  for (const line of saved.split('\n')) {
    const declared = /^:(\S+) /.exec(line)?.[1];
    if (declared && OWN_CHAIN.test(declared)) ours.add(declared);
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (rule && !OWN_CHAIN.test(rule[1]!) && / -[jg] K3TS-\S+/.test(` ${rule[2]}`)) jumps.push(`-D ${rule[1]} ${rule[2]}`);
  }
  if (!ours.size && !jumps.length) return undefined;
  // Jumps first (a referenced chain cannot be deleted), then empty every chain before deleting any,
  // as ours may jump to each other.
  return [`*${table}`, ...jumps, ...[...ours].map((c) => `-F ${c}`), ...[...ours].map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
}

export async function removeNodeNetwork(run: RunCommand = runCommand): Promise<string[]> {
  const removed: string[] = [];
  for (const table of TABLES) {
    const saved = await run('iptables-save', ['-t', table]);
    if (saved.code !== 0) continue; // no iptables, or no such table here: nothing of ours in it
    const input = removalInput(table, saved.stdout);
    if (!input) continue;
    const r = await run('iptables-restore', ['--noflush'], input);
    if (r.code === 0) removed.push(`iptables ${table} K3TS-* chains`);
  }
  if ((await run('ip', ['link', 'show', OVERLAY_DEVICE])).code === 0 && (await run('ip', ['link', 'del', OVERLAY_DEVICE])).code === 0) removed.push(OVERLAY_DEVICE);
  return removed;
}
