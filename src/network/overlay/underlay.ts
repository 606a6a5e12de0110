// The interface the tunnel rides on and its MTU: the overlay's MTU follows from it, and the VXLAN
// device must be bound to it so the outer packets leave with the node IP as their source.
import { mustRun, type RunCommand } from '../host-command.js';

export interface Underlay {
  iface: string;
  mtu: number;
}

/** flannel's VXLAN cost: outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14). */
export const VXLAN_OVERHEAD = 50;

interface RawAddr {
  ifname: string;
  mtu: number;
  addr_info?: Array<{ family?: string; local?: string }>;
}

/** Pure: from `ip -j -4 addr show`, the interface holding `nodeIP` (or the named one). */
export function pickUnderlay(addrs: RawAddr[], o: { nodeIP: string; iface?: string }): Underlay {
  const found = o.iface ? addrs.find((a) => a.ifname === o.iface) : addrs.find((a) => a.addr_info?.some((i) => i.local === o.nodeIP));
  if (!found) {
    throw new Error(
      o.iface
        ? `interface ${o.iface} (--flannel-iface) has no IPv4 address or does not exist`
        : `no interface holds the node IP ${o.nodeIP} (wrong --node-ip? or name the interface with --flannel-iface)`,
    );
  }
  return { iface: found.ifname, mtu: found.mtu };
}

export async function findUnderlay(run: RunCommand, o: { nodeIP: string; iface?: string }): Promise<Underlay> {
  return pickUnderlay(JSON.parse(await mustRun(run, 'ip', ['-j', '-4', 'addr', 'show'])) as RawAddr[], o);
}
