// Between the rules as data and iptables' text: what to hand `iptables-restore --noflush` to turn
// one state of our chains into another, and our chains read back from `iptables-save`. Only chains
// that changed are written, so one endpoint change costs a few chains, not the whole table.
import { isProxyChain, type BuiltinJump, type Table } from './chains.js';
import { ruleLine } from './rule-text.js';
import type { ChainRules, ProxyRules } from './rules.js';

export const TABLES: readonly Table[] = ['nat', 'filter'];

const sameRules = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((r, i) => r === b[i]));

export interface ChainDiff {
  /** Chains to (re)write whole. */
  write: string[];
  /** Our chains to delete. */
  remove: string[];
}

export function diffChains(desired: ChainRules, current: ChainRules | undefined): ChainDiff {
  const write = [...desired.keys()].filter((c) => !sameRules(desired.get(c), current?.get(c)));
  const remove = [...(current?.keys() ?? [])].filter((c) => isProxyChain(c) && !desired.has(c));
  return { write, remove };
}

/**
 * iptables-restore input turning `current` (what is there; undefined = assume nothing of ours) into
 * `desired`; empty when nothing differs. A `:CHAIN` line flushes (or creates) the chain, so a written
 * chain is replaced whole and a removed one is empty (and unreferenced) by the time `-X` runs.
 * `insert` are jumps from built-in chains known to be missing, added in the same transaction
 * (built-in chains are never declared, so --noflush leaves the rest of them alone).
 */
export function renderRestore(desired: ProxyRules, current?: ProxyRules, insert: readonly BuiltinJump[] = []): string {
  const out: string[] = [];
  for (const table of TABLES) {
    const { write, remove } = diffChains(desired[table], current?.[table]);
    const jumps = insert.filter((j) => j.table === table);
    if (!write.length && !remove.length && !jumps.length) continue;
    out.push(`*${table}`);
    for (const c of [...write, ...remove]) out.push(`:${c} - [0:0]`);
    for (const c of write) out.push(...desired[table].get(c)!);
    for (const c of remove) out.push(`-X ${c}`);
    for (const j of jumps) out.push(j.at === 'top' ? ruleLine(j.chain, j.spec).replace(/^-A (\S+) /, '-I $1 1 ') : ruleLine(j.chain, j.spec));
    out.push('COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Every chain of one table in `iptables-save -t <table>` output, built-in ones included, with its rules. */
export function parseSave(text: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0]!;
      if (!chains.has(name)) chains.set(name, []);
    } else if (line.startsWith('-A ')) {
      const name = line.slice(3).split(' ')[0]!;
      let rules = chains.get(name);
      if (!rules) chains.set(name, (rules = []));
      rules.push(line);
    }
  }
  return chains;
}

/** Only the proxy's chains (not other k3ts parts' K3TS- chains), for comparing against what we wrote. */
export function ownChains(chains: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
  return new Map([...chains].filter(([name]) => isProxyChain(name)));
}

/** Text that deletes every chain of ours that `present` lists (for stop). */
export function renderRemoveAll(present: Record<Table, readonly string[]>): string {
  const out: string[] = [];
  for (const table of TABLES) {
    const chains = present[table].filter(isProxyChain);
    if (!chains.length) continue;
    out.push(`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
