// The names of every chain the proxy owns and the jumps into them from the built-in chains. Other
// k3ts parts use K3TS- names too (the overlay's K3TS-POSTROUTING-MASQ and K3TS-FORWARD, network
// policy's K3TS-NP-*), so ownership is by exact name or hashed pattern, never by prefix alone.
import { createHash } from 'node:crypto';

export type Table = 'nat' | 'filter';

export const CHAIN_PREFIX = 'K3TS-';

export const NAT_SERVICES = 'K3TS-SERVICES';
export const NAT_NODEPORTS = 'K3TS-NODEPORTS';
export const NAT_MARK_MASQ = 'K3TS-MARK-MASQ';
export const NAT_POSTROUTING = 'K3TS-POSTROUTING';
export const FILTER_REJECT = 'K3TS-PROXY-REJECT';
export const FILTER_FORWARD = 'K3TS-PROXY-FORWARD';
export const FILTER_FIREWALL = 'K3TS-PROXY-FIREWALL';

const FIXED = new Set([NAT_SERVICES, NAT_NODEPORTS, NAT_MARK_MASQ, NAT_POSTROUTING, FILTER_REJECT, FILTER_FORWARD, FILTER_FIREWALL]);
const HASHED = /^K3TS-(SVC|SVL|EXT|SEP)-[0-9A-F]{16}$/;

/** Whether the proxy made (and may replace or delete) this chain. */
export const isProxyChain = (name: string) => FIXED.has(name) || HASHED.test(name);

// Chain names are limited to 28 characters: prefix (9) + 16 hex digits of a hash stays well under.
// Remembered, because every sync names every chain again and hashing dominated a 1,000-service build.
const names = new Map<string, string>();
function hashed(kind: string, text: string): string {
  const key = `${kind} ${text}`;
  let name = names.get(key);
  if (name === undefined) {
    if (names.size >= 200_000) names.clear();
    name = `${CHAIN_PREFIX}${kind}-${createHash('sha256').update(text).digest('hex').slice(0, 16).toUpperCase()}`;
    names.set(key, name);
  }
  return name;
}

/** One service port's chains; `id` is `namespace/name:portName/protocol`. */
export const serviceChain = (id: string) => hashed('SVC', id);
export const localChain = (id: string) => hashed('SVL', id);
export const externalChain = (id: string) => hashed('EXT', id);
export const endpointChain = (id: string, ip: string, port: number) => hashed('SEP', `${id}/${ip}:${port}`);

export interface BuiltinJump {
  table: Table;
  chain: string;
  /** The rule's match and target, as iptables-save prints it after `-A <chain>`. */
  spec: string[];
  /** Where a missing jump goes: the top, or the end (to let everyone else decide first). */
  at: 'top' | 'end';
}

const jump = (table: Table, chain: string, spec: string[], at: 'top' | 'end' = 'top'): BuiltinJump => ({ table, chain, spec, at });
const newOnly = ['-m', 'conntrack', '--ctstate', 'NEW'];

/** The only rules we add to built-in chains; everything else lives in our own chains. */
export const BUILTIN_JUMPS: readonly BuiltinJump[] = [
  jump('nat', 'PREROUTING', ['-m', 'comment', '--comment', 'k3ts service portals', '-j', NAT_SERVICES]),
  jump('nat', 'OUTPUT', ['-m', 'comment', '--comment', 'k3ts service portals', '-j', NAT_SERVICES]),
  jump('nat', 'POSTROUTING', ['-m', 'comment', '--comment', 'k3ts postrouting rules', '-j', NAT_POSTROUTING]),
  jump('filter', 'INPUT', [...newOnly, '-m', 'comment', '--comment', 'k3ts service rejects', '-j', FILTER_REJECT]),
  jump('filter', 'FORWARD', [...newOnly, '-m', 'comment', '--comment', 'k3ts service rejects', '-j', FILTER_REJECT]),
  jump('filter', 'OUTPUT', [...newOnly, '-m', 'comment', '--comment', 'k3ts service rejects', '-j', FILTER_REJECT]),
  // Its ACCEPTs only matter on hosts whose FORWARD policy is DROP; at the top they would let service
  // traffic skip whatever comes later in FORWARD, network policy included. So it goes last.
  jump('filter', 'FORWARD', ['-m', 'comment', '--comment', 'k3ts forwarding rules', '-j', FILTER_FORWARD], 'end'),
  jump('filter', 'INPUT', ['-m', 'comment', '--comment', 'k3ts firewall', '-j', FILTER_FIREWALL]),
];
