// The node's CNI network: one bridge with host-local addresses from the node's podCIDR, and portmap
// for hostPorts. Masquerade is the overlay's (network/overlay/masquerade.ts): the bridge plugin's
// would also rewrite pod-to-pod traffic to other nodes, which must keep the pod's own address. containerd (max_conf_num = 1) reads
// the single conflist in the node's conf dir and notices changes to it by itself.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CNI_NETWORK_NAME = 'k3ts';
/** Named so it sorts first: containerd uses the first conflist in the directory. */
export const CNI_CONFLIST_FILE = '10-k3ts.conflist';

export interface CniNetworkOptions {
  /** The node's pod range, e.g. 10.42.0.0/24. */
  podCidr: string;
  /** Linux interface names are at most 15 bytes; each node on one machine needs its own. */
  bridgeName: string;
  /** host-local's lease directory: per node, or two nodes on one machine hand out the same address. */
  ipamDir: string;
  /** The pod network's MTU (`PodNetwork.mtu`: the underlay's less 50 bytes under VXLAN). */
  mtu?: number;
}

export interface CniConflist {
  cniVersion: string;
  name: string;
  plugins: Array<{ type: string } & Record<string, unknown>>;
}

export function cniConflist(o: CniNetworkOptions): CniConflist {
  if (Buffer.byteLength(o.bridgeName) > 15) throw new Error(`bridge name ${o.bridgeName} is longer than 15 bytes (the kernel's limit)`);
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(o.podCidr)) throw new Error(`podCIDR ${o.podCidr} is not an IPv4 CIDR`);
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridgeName,
        // The bridge takes the range's first address and is every pod's default route.
        isGateway: true,
        ipMasq: false,
        // A pod reaching itself through a Service address comes back through the same veth.
        hairpinMode: true,
        ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: o.podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: o.ipamDir,
        },
      },
      // snat: a hostPort reached from the node itself (127.0.0.1 or the node IP) still gets answers.
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** Writes the conflist unless it already says the same; returns whether it changed. Written to a
 *  temporary name and renamed, so containerd's directory watch never reads half a file. */
export function writeCniConflist(confDir: string, o: CniNetworkOptions): boolean {
  const text = `${JSON.stringify(cniConflist(o), null, 2)}\n`;
  const path = join(confDir, CNI_CONFLIST_FILE);
  try {
    if (readFileSync(path, 'utf8') === text) return false;
  } catch {
    // not written yet
  }
  mkdirSync(confDir, { recursive: true });
  mkdirSync(o.ipamDir, { recursive: true });
  // A dot-name without the .conflist suffix: containerd's loader skips it if it looks in between.
  const tmp = join(confDir, `.${CNI_CONFLIST_FILE}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return true;
}

/** The pod range the node's conflist was written for, if there is one. */
export function readConfiguredPodCidr(confDir: string): string | undefined {
  try {
    const conf = JSON.parse(readFileSync(join(confDir, CNI_CONFLIST_FILE), 'utf8')) as CniConflist;
    const ipam = conf.plugins.find((p) => p.type === 'bridge')?.ipam as { ranges?: Array<Array<{ subnet?: string }>> } | undefined;
    return ipam?.ranges?.[0]?.[0]?.subnet;
  } catch {
    return undefined;
  }
}
