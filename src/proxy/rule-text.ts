// One rule as text, in exactly the form iptables-save prints it back (word order, quoting), so
// what we wrote and what the kernel holds compare as plain strings.
import type { Protocol } from './endpoints.js';

export interface Match {
  src?: string;
  notSrc?: string;
  dst?: string;
  proto?: Protocol;
  comment?: string;
  /** Further matches, placed before the port match (iptables-save keeps the order they were given in). */
  extra?: readonly string[];
  dport?: number;
}

export function spec(m: Match, target: readonly string[]): string[] {
  const w: string[] = [];
  if (m.notSrc) w.push('!', '-s', m.notSrc);
  else if (m.src) w.push('-s', m.src);
  if (m.dst) w.push('-d', m.dst);
  const proto = m.proto === 'TCP' ? 'tcp' : m.proto === 'UDP' ? 'udp' : undefined;
  if (proto) w.push('-p', proto);
  if (m.comment) w.push('-m', 'comment', '--comment', m.comment);
  if (m.extra) w.push(...m.extra);
  if (m.dport !== undefined && proto) w.push('-m', proto, '--dport', String(m.dport));
  w.push('-j', ...target);
  return w;
}

/** A word as iptables-save quotes it. */
export function saveWord(word: string): string {
  if (/^[-_0-9A-Za-z]+$/.test(word)) return word;
  return `"${word.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** `-A <chain> <spec...>` with the comment quoted as iptables-save prints it. */
export function ruleLine(chain: string, words: readonly string[]): string {
  return `-A ${chain} ${words.map((w, i) => (words[i - 1] === '--comment' ? saveWord(w) : w)).join(' ')}`;
}

/** Chains being filled, in the order first named. */
export class ChainSet {
  readonly chains = new Map<string, string[]>();
  declare(chain: string): string[] {
    let rules = this.chains.get(chain);
    if (!rules) this.chains.set(chain, (rules = []));
    return rules;
  }
  add(chain: string, m: Match, target: readonly string[]): void {
    this.declare(chain).push(ruleLine(chain, spec(m, target)));
  }
}
