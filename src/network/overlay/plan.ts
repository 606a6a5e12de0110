// The commands that take the host from what it holds to what the peers need: pure diffs, so the
// reconcile that applies them is safe to run any number of times and tested without a host.
import { cidrContains, parseCidr } from '../ipv4.js';
import type { FdbEntry, NeighEntry, RouteEntry } from './observed.js';
import type { Peer } from './peers.js';

export interface HostCommand {
  cmd: 'ip' | 'bridge';
  args: string[];
}

export interface VxlanObserved {
  routes: RouteEntry[];
  neighbours: NeighEntry[];
  fdb: FdbEntry[];
}

/** Adds before removals would break nothing, but a changed peer must lose its old fdb entry only
 *  after it has its new one; routes go last on add (their next hop must resolve) and first on remove. */
export function planVxlan(peers: Peer[], observed: VxlanObserved, dev: string): HostCommand[] {
  const vx = peers.filter((p): p is Peer & { vtepMac: string } => !!p.vtepMac);
  const add: HostCommand[] = [];
  const remove: HostCommand[] = [];

  const wantFdb = new Set(vx.map((p) => `${p.vtepMac} ${p.publicIP}`));
  const haveFdb = new Set(observed.fdb.map((f) => `${f.mac} ${f.dst}`));
  for (const p of vx) if (!haveFdb.has(`${p.vtepMac} ${p.publicIP}`)) add.push({ cmd: 'bridge', args: ['fdb', 'append', p.vtepMac, 'dev', dev, 'dst', p.publicIP] });
  for (const f of observed.fdb) if (!wantFdb.has(`${f.mac} ${f.dst}`)) remove.push({ cmd: 'bridge', args: ['fdb', 'del', f.mac, 'dev', dev, 'dst', f.dst] });

  const wantNeigh = new Map(vx.map((p) => [p.gateway, p.vtepMac]));
  const haveNeigh = new Map(observed.neighbours.map((n) => [n.ip, n]));
  for (const [ip, mac] of wantNeigh) {
    const n = haveNeigh.get(ip);
    if (!n || n.mac !== mac || !n.permanent) add.push({ cmd: 'ip', args: ['neigh', 'replace', ip, 'lladdr', mac, 'dev', dev, 'nud', 'permanent'] });
  }
  for (const n of observed.neighbours) if (!wantNeigh.has(n.ip)) remove.push({ cmd: 'ip', args: ['neigh', 'del', n.ip, 'dev', dev] });

  const wantRoutes = new Map(vx.map((p) => [p.podCidr, p.gateway]));
  const haveRoutes = new Map(observed.routes.map((r) => [r.dst, r]));
  const routeAdds: HostCommand[] = [];
  for (const [dst, via] of wantRoutes) {
    const r = haveRoutes.get(dst);
    if (!r || r.gateway !== via || !r.onlink) routeAdds.push({ cmd: 'ip', args: ['route', 'replace', dst, 'via', via, 'dev', dev, 'onlink'] });
  }
  // Only routes through a gateway are peers'; the device's own /32 has none and is not ours to drop.
  const routeRemoves = observed.routes
    .filter((r) => r.gateway && !wantRoutes.has(r.dst))
    .map((r): HostCommand => ({ cmd: 'ip', args: ['route', 'del', r.dst, 'via', r.gateway!, 'dev', dev] }));

  return [...routeRemoves, ...add, ...routeAdds, ...remove];
}

/** host-gw: a plain route to each peer's range via its node IP (peers share one L2 segment). Our
 *  routes are those into the cluster range through a gateway, outside the VXLAN device. */
export function planHostGw(peers: Peer[], routes: RouteEntry[], o: { clusterCidr: string; vxlanDev: string }): HostCommand[] {
  const cluster = parseCidr(o.clusterCidr);
  const want = new Map(peers.map((p) => [p.podCidr, p.publicIP]));
  const ours = routes.filter((r) => r.gateway && r.dev !== o.vxlanDev && cidrContains(cluster, parseCidr(r.dst).base));
  const have = new Map(ours.map((r) => [r.dst, r]));
  const out: HostCommand[] = [];
  for (const r of ours) if (!want.has(r.dst)) out.push({ cmd: 'ip', args: ['route', 'del', r.dst, 'via', r.gateway!] });
  for (const [dst, via] of want) if (have.get(dst)?.gateway !== via) out.push({ cmd: 'ip', args: ['route', 'replace', dst, 'via', via] });
  return out;
}
