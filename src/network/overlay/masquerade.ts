// The overlay owns masquerade (the CNI bridge's ipMasq is off): pods keep their own address towards
// other pods anywhere in the cluster, and leave the cluster behind the node's address. Two chains of
// our own, each reached by one jump we add: no rule of anyone else is read, changed or reordered.
import { mustRun, type RunCommand } from '../host-command.js';

export const MASQ_CHAIN = 'K3TS-POSTROUTING-MASQ';
/** Accepts pod traffic in FORWARD, for hosts whose FORWARD policy is DROP (e.g. with Docker). */
export const FORWARD_CHAIN = 'K3TS-FORWARD';

interface Jump {
  table: 'nat' | 'filter';
  from: string;
  chain: string;
  comment: string;
}

const JUMPS: Jump[] = [
  { table: 'nat', from: 'POSTROUTING', chain: MASQ_CHAIN, comment: 'k3ts overlay masquerade' },
  { table: 'filter', from: 'FORWARD', chain: FORWARD_CHAIN, comment: 'k3ts overlay forward' },
];

const jumpArgs = (j: Jump) => ['-t', j.table, '-m', 'comment', '--comment', j.comment, '-j', j.chain];

/** Our chains' rules exactly as `iptables -S <chain>` prints them, so a read-back compares equal. */
export function chainRules(clusterCidr: string): Record<string, string[]> {
  const c = clusterCidr;
  return {
    [MASQ_CHAIN]: [
      `-N ${MASQ_CHAIN}`,
      `-A ${MASQ_CHAIN} -s ${c} -d ${c} -m comment --comment "pod to pod keeps its source" -j RETURN`,
      `-A ${MASQ_CHAIN} -s ${c} -d 224.0.0.0/4 -j RETURN`,
      `-A ${MASQ_CHAIN} -s ${c} -j MASQUERADE --random-fully`,
    ],
    [FORWARD_CHAIN]: [`-N ${FORWARD_CHAIN}`, `-A ${FORWARD_CHAIN} -s ${c} -j ACCEPT`, `-A ${FORWARD_CHAIN} -d ${c} -j ACCEPT`],
  };
}

/** The iptables-restore input that rewrites both chains at once (a declared chain is flushed first). */
export function restoreInput(clusterCidr: string): string {
  const rules = chainRules(clusterCidr);
  const body = (chain: string) => [`:${chain} - [0:0]`, ...rules[chain]!.filter((r) => r.startsWith('-A '))];
  return ['*nat', ...body(MASQ_CHAIN), 'COMMIT', '*filter', ...body(FORWARD_CHAIN), 'COMMIT', ''].join('\n');
}

async function chainAsListed(run: RunCommand, table: string, chain: string): Promise<string[]> {
  const r = await run('iptables', ['-t', table, '-S', chain]);
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

/** Rewrites our chains only when they differ from what they should be; adds a missing jump. */
export async function ensureMasquerade(run: RunCommand, clusterCidr: string): Promise<void> {
  const want = chainRules(clusterCidr);
  let same = true;
  for (const j of JUMPS) same &&= (await chainAsListed(run, j.table, j.chain)).join('\n') === want[j.chain]!.join('\n');
  if (!same) await mustRun(run, 'iptables-restore', ['--noflush'], restoreInput(clusterCidr));
  for (const j of JUMPS) {
    const args = jumpArgs(j);
    if ((await run('iptables', ['-C', j.from, ...args])).code !== 0) await mustRun(run, 'iptables', ['-A', j.from, ...args]);
  }
}

/** Removes every copy of our jumps, then our chains. */
export async function removeMasquerade(run: RunCommand): Promise<void> {
  for (const j of JUMPS) {
    const args = jumpArgs(j);
    while ((await run('iptables', ['-D', j.from, ...args])).code === 0);
    await run('iptables', ['-t', j.table, '-F', j.chain]);
    await run('iptables', ['-t', j.table, '-X', j.chain]);
  }
}
