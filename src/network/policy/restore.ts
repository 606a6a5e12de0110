// iptables-restore text for the chains this node owns. Always `--noflush`: only chains named here are
// touched. Declaring `:CHAIN - [0:0]` creates a chain or empties an existing one, so a whole write
// replaces our rules in one transaction; chains we no longer need are emptied and deleted (-X) in
// the same transaction, after the dispatch chain that jumped to them has been rewritten.
import { CHAIN_PREFIX, type PolicyRules } from './rules.js';

/** The text that makes the filter table's K3TS-NP-* chains exactly `rules`, removing `existing` ones not in it. */
export function renderRestore(rules: PolicyRules, existing: readonly string[]): string {
  const wanted = new Set(rules.chains.map((c) => c.name));
  const stale = existing.filter((name) => name.startsWith(CHAIN_PREFIX) && !wanted.has(name)).sort();
  const lines = ['*filter'];
  for (const c of rules.chains) lines.push(`:${c.name} - [0:0]`);
  for (const name of stale) lines.push(`:${name} - [0:0]`);
  for (const c of rules.chains) for (const r of c.rules) lines.push(`-A ${c.name} ${r}`);
  for (const name of stale) lines.push(`-X ${name}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** Empties and deletes every chain in `existing` of ours (the jumps into them must be gone first). */
export function renderRemoval(existing: readonly string[]): string {
  const ours = existing.filter((name) => name.startsWith(CHAIN_PREFIX)).sort();
  if (ours.length === 0) return '';
  return ['*filter', ...ours.map((n) => `:${n} - [0:0]`), ...ours.map((n) => `-X ${n}`), 'COMMIT', ''].join('\n');
}

/** Names of our chains in `iptables-save -t filter` output. */
export function ownChainsIn(save: string): string[] {
  const out: string[] = [];
  for (const line of save.split('\n')) {
    const m = /^:(\S+) /.exec(line);
    if (m && m[1]!.startsWith(CHAIN_PREFIX)) out.push(m[1]!);
  }
  return out;
}
