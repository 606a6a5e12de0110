// `k3ts up` as a real multi-host cluster on one machine: each node gets a network namespace of its
// own with one address on a bridge the host also sits on, so node IPs, NodePorts, the overlay and
// every node's iptables behave as on separate machines, and the host reaches each node directly.
// The nodes get no default route: nothing they do leaves the machine.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cidrsOverlap, nthAddress, parseCidr, tryParseCidr } from '../network/ipv4.js';
import { mustRun, runCommand, type RunCommand } from '../network/host-command.js';

export interface UpNodeNetwork {
  /** The node's role as `up` names its process ('server', 'agent 1', ...). */
  role: string;
  netns: string;
  /** The host end of the node's veth, on the bridge. */
  hostVeth: string;
  ip: string;
}

export interface UpNetwork {
  bridge: string;
  /** The nodes' /24; the bridge holds its `.1`, the server `.10`, agent i `.(10+i)`. */
  cidr: string;
  gateway: string;
  nodes: UpNodeNetwork[];
}

/** Ranges the cluster itself uses (pods, Services): the node network must not overlap them. */
const CLUSTER_RANGES = ['10.42.0.0/16', '10.43.0.0/16'];

/** Short and unique per data dir: interface names have at most 15 bytes. */
const tagOf = (dataDir: string) => createHash('sha256').update(dataDir).digest('hex').slice(0, 6);

export const netnsPath = (netns: string) => `/var/run/netns/${netns}`;

/** What a node range would collide with: a route on this machine or the cluster's own ranges. */
export function nodeCidrConflict(cidr: string, routeDestinations: string[]): string | undefined {
  const candidate = parseCidr(cidr);
  return [...routeDestinations, ...CLUSTER_RANGES].find((d) => {
    const r = tryParseCidr(d);
    return r !== undefined && r.bits > 0 && cidrsOverlap(r, candidate);
  });
}

/** The first 10.45.N.0/24 from N = a number of the data dir on, that no route on this machine
 *  covers: the same range every time for one data dir, and two clusters started at the same moment
 *  from different dirs (before either's bridge is there to see) do not pick the same one. */
export function chooseNodeCidr(routeDestinations: string[], dataDir: string): string {
  const start = parseInt(tagOf(dataDir), 16) % 256;
  for (let i = 0; i < 256; i++) {
    const candidate = `10.45.${(start + i) % 256}.0/24`;
    if (!nodeCidrConflict(candidate, routeDestinations)) return candidate;
  }
  throw new Error('no free /24 in 10.45.0.0/16 for the nodes: every one overlaps a route on this machine; pass --node-cidr');
}

export function planUpNetwork(dataDir: string, roles: string[], cidr: string): UpNetwork {
  const tag = tagOf(dataDir);
  const range = parseCidr(cidr);
  return {
    bridge: `k3up${tag}`,
    cidr,
    gateway: nthAddress(range, 1),
    nodes: roles.map((role, i) => ({
      role,
      netns: `k3ts-${tag}-${i === 0 ? 'server' : `agent${i}`}`,
      hostVeth: `k3v${tag}${i}`,
      ip: nthAddress(range, 10 + i),
    })),
  };
}

/** Every IPv4 route destination on this machine, in every table ("default" excluded). */
export async function hostRouteDestinations(run: RunCommand = runCommand): Promise<string[]> {
  const routes = JSON.parse(await mustRun(run, 'ip', ['-4', '-j', 'route', 'show', 'table', 'all'])) as Array<{ dst?: string }>;
  return routes.map((r) => r.dst ?? '').filter((d) => d && d !== 'default').map((d) => (d.includes('/') ? d : `${d}/32`));
}

export async function createUpNetwork(net: UpNetwork, run: RunCommand = runCommand): Promise<void> {
  const prefix = parseCidr(net.cidr).bits;
  await mustRun(run, 'ip', ['link', 'add', net.bridge, 'type', 'bridge']);
  await mustRun(run, 'ip', ['addr', 'add', `${net.gateway}/${prefix}`, 'dev', net.bridge]);
  await mustRun(run, 'ip', ['link', 'set', net.bridge, 'up']);
  for (const node of net.nodes) await addNode(net, node, prefix, run);
}

async function addNode(net: UpNetwork, node: UpNodeNetwork, prefix: number, run: RunCommand): Promise<void> {
  await mustRun(run, 'ip', ['netns', 'add', node.netns]);
  await mustRun(run, 'ip', ['link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await mustRun(run, 'ip', ['link', 'set', node.hostVeth, 'master', net.bridge, 'up']);
  const inNode = (...args: string[]) => mustRun(run, 'ip', ['-n', node.netns, ...args]);
  await inNode('link', 'set', 'lo', 'up');
  await inNode('addr', 'add', `${node.ip}/${prefix}`, 'dev', 'eth0');
  await inNode('link', 'set', 'eth0', 'up');
  // A node is a router for its pods, as a real host running k3ts is.
  await mustRun(run, 'ip', ['netns', 'exec', node.netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}

/** Removes the namespaces (their links, routes and rules go with them) and the bridge; whatever is
 *  already gone is skipped, so it also cleans up after a crash half-way through `up`. */
export async function removeUpNetwork(net: UpNetwork, run: RunCommand = runCommand): Promise<string[]> {
  const left: string[] = [];
  for (const node of net.nodes) {
    if (existsSync(netnsPath(node.netns))) {
      const r = await run('ip', ['netns', 'del', node.netns]);
      if (r.code !== 0) left.push(`network namespace ${node.netns}: ${r.stderr.trim()}`);
    }
    // Normally gone with its namespace's end; not when `up` failed before moving the peer.
    if ((await run('ip', ['link', 'show', node.hostVeth])).code === 0) await run('ip', ['link', 'del', node.hostVeth]);
  }
  if ((await run('ip', ['link', 'show', net.bridge])).code === 0) {
    const r = await run('ip', ['link', 'del', net.bridge]);
    if (r.code !== 0) left.push(`bridge ${net.bridge}: ${r.stderr.trim()}`);
  }
  return left;
}
