// UDP has no connection end: conntrack keeps sending a client's flow to the endpoint it first chose
// for as long as packets keep coming, so a removed endpoint would keep a DNS client forever. After a
// sync removes UDP endpoints, their flows are deleted so the next packet is balanced afresh.
import type { RunCommand } from '../network/host-command.js';
import type { ChainRules } from './rules.js';

const UDP_DNAT = /-p udp .*-j DNAT --to-destination ([\d.]+):(\d+)$/;

function udpTargets(chains: Iterable<readonly string[]>): Set<string> {
  const out = new Set<string>();
  for (const rules of chains) {
    for (const line of rules) {
      const m = UDP_DNAT.exec(line);
      if (m) out.add(`${m[1]}:${m[2]}`);
    }
  }
  return out;
}

/** UDP endpoints (`ip:port`) that `before` sent to through chains `after` no longer has, and nothing in `after` still does. */
export function removedUdpEndpoints(before: ChainRules, after: ChainRules): string[] {
  const gone = [...before.keys()].filter((c) => c.startsWith('K3TS-SEP-') && !after.has(c));
  if (!gone.length) return [];
  const candidates = udpTargets(gone.map((c) => before.get(c)!));
  if (!candidates.size) return [];
  const still = udpTargets([...after].filter(([c]) => c.startsWith('K3TS-SEP-')).map(([, r]) => r));
  return [...candidates].filter((t) => !still.has(t));
}

/** Deletes the UDP flows whose replies come from `endpoint`; a flow list without any is fine. */
export async function clearUdpFlows(run: RunCommand, endpoint: string): Promise<{ ok: boolean; detail: string }> {
  const [ip, port] = endpoint.split(':') as [string, string];
  const r = await run('conntrack', ['-D', '-p', 'udp', '--reply-src', ip, '--reply-port-src', port]);
  // conntrack exits 1 when no flow matched: nothing to do is success.
  const ok = r.code === 0 || /0 flow entries/.test(r.stderr);
  return { ok, detail: (r.stderr || r.stdout).trim() };
}
