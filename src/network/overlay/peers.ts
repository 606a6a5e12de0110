// Desired state from the Node list: which peers exist and where their pod ranges live. Pure, so the
// rules "skip a node without a podCIDR or annotations, skip another backend" are tested without a host.
import { nthAddress, tryParseCidr, cidrContains, parseCidr } from '../ipv4.js';
import { readPeerAnnotations } from './annotations.js';
import type { OverlayBackend, OverlayNode } from './types.js';

export interface Peer {
  name: string;
  /** The peer's pod range, e.g. 10.42.2.0/24. */
  podCidr: string;
  /** The peer's VTEP address: its range's `.0` (flannel's convention). */
  gateway: string;
  /** Its underlay address (the `public-ip` annotation). */
  publicIP: string;
  /** Its VTEP MAC (vxlan only). */
  vtepMac?: string;
}

export interface SkippedNode {
  name: string;
  why: string;
}

export function podCidrOf(node: OverlayNode | undefined): string | undefined {
  const cidr = node?.spec?.podCIDR ?? node?.spec?.podCIDRs?.find((c) => tryParseCidr(c));
  return cidr && tryParseCidr(cidr) ? tryParseCidr(cidr)!.text : undefined;
}

/** Every other node this node should route to, sorted by name; and the ones it cannot route to yet. */
export function desiredPeers(nodes: OverlayNode[], o: { self: string; backend: Exclude<OverlayBackend, 'none'>; clusterCidr: string }): { peers: Peer[]; skipped: SkippedNode[] } {
  const cluster = parseCidr(o.clusterCidr);
  const peers: Peer[] = [];
  const skipped: SkippedNode[] = [];
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    if (name === o.self || node.metadata.deletionTimestamp) continue;
    const podCidr = podCidrOf(node);
    if (!podCidr) {
      skipped.push({ name, why: 'no podCIDR yet' });
      continue;
    }
    const range = parseCidr(podCidr);
    if (!cidrContains(cluster, range.base)) {
      skipped.push({ name, why: `podCIDR ${podCidr} is outside the cluster CIDR ${cluster.text}` });
      continue;
    }
    const a = readPeerAnnotations(node);
    if ('missing' in a) {
      skipped.push({ name, why: `no ${a.missing} annotation yet` });
      continue;
    }
    if (a.backend !== o.backend) {
      skipped.push({ name, why: `it runs the ${a.backend} backend, this node ${o.backend}` });
      continue;
    }
    peers.push({ name, podCidr, gateway: nthAddress(range, 0), publicIP: a.publicIP, ...(a.vtepMac ? { vtepMac: a.vtepMac } : {}) });
  }
  peers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { peers, skipped };
}
