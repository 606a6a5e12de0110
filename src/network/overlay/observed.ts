// What the kernel holds now, read back as JSON every reconcile: the overlay converges on the host's
// real state, so entries someone deleted come back and ours left from a previous run are found.
import { mustRun, type RunCommand } from '../host-command.js';

export interface RouteEntry {
  dst: string;
  gateway?: string;
  dev?: string;
  onlink: boolean;
}

export interface NeighEntry {
  ip: string;
  mac?: string;
  permanent: boolean;
}

export interface FdbEntry {
  mac: string;
  dst: string;
}

interface RawRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  flags?: string[];
}

/** `ip -j route` names a single-address route by its address alone; everything here is a CIDR. */
const asCidr = (dst: string) => (dst.includes('/') ? dst : `${dst}/32`);

export function parseRoutes(json: string): RouteEntry[] {
  return (JSON.parse(json || '[]') as RawRoute[])
    .filter((r) => r.dst && r.dst !== 'default')
    .map((r) => ({ dst: asCidr(r.dst!), ...(r.gateway ? { gateway: r.gateway } : {}), ...(r.dev ? { dev: r.dev } : {}), onlink: !!r.flags?.includes('onlink') }));
}

export function parseNeighbours(json: string): NeighEntry[] {
  return (JSON.parse(json || '[]') as Array<{ dst?: string; lladdr?: string; state?: string[] }>)
    .filter((n) => n.dst && /^\d+\.\d+\.\d+\.\d+$/.test(n.dst))
    .map((n) => ({ ip: n.dst!, ...(n.lladdr ? { mac: n.lladdr.toLowerCase() } : {}), permanent: !!n.state?.includes('PERMANENT') }));
}

/** Only the unicast tunnel entries (MAC → remote IP) are ours; the device's own entries have no dst. */
export function parseFdb(json: string): FdbEntry[] {
  return (JSON.parse(json || '[]') as Array<{ mac?: string; dst?: string }>)
    .filter((f) => f.mac && f.dst)
    .map((f) => ({ mac: f.mac!.toLowerCase(), dst: f.dst! }));
}

export async function readRoutes(run: RunCommand, dev?: string): Promise<RouteEntry[]> {
  return parseRoutes(await mustRun(run, 'ip', ['-j', '-4', 'route', 'show', ...(dev ? ['dev', dev] : [])]));
}

export async function readNeighbours(run: RunCommand, dev: string): Promise<NeighEntry[]> {
  return parseNeighbours(await mustRun(run, 'ip', ['-j', '-4', 'neigh', 'show', 'dev', dev]));
}

export async function readFdb(run: RunCommand, dev: string): Promise<FdbEntry[]> {
  return parseFdb(await mustRun(run, 'bridge', ['-j', 'fdb', 'show', 'dev', dev]));
}
