// What the overlay tells the Node's status, from the peer check's results. Pure, so each message an
// operator will read ("which peer, what is likely wrong, what to do") is pinned by a test.
import type { OverlayBackend } from './types.js';

export interface OverlayConditionSpec {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export const NETWORK_UNAVAILABLE = 'NetworkUnavailable';
/** k3ts' own condition: True while every peer answers over the overlay. */
export const OVERLAY_REACHABLE = 'OverlayReachable';

/** One peer's latest probe round. */
export interface ProbeRound {
  /** A small datagram to the peer's overlay address (crosses the VXLAN tunnel); undefined for host-gw. */
  overlay?: boolean;
  /** One that fills the overlay MTU. */
  overlayLarge?: boolean;
  /** A small datagram to the peer's node IP (underlay only). */
  direct: boolean;
}

export interface PeerHealth {
  name: string;
  nodeIP: string;
  /** Consecutive rounds with any probe unanswered. */
  failedRounds: number;
  last?: ProbeRound;
}

/** One lost datagram is not a fault; two rounds in a row are (at 5 s a round, reported in ~10-15 s). */
export const FAILED_ROUNDS_TO_REPORT = 2;

export interface OverlayState {
  me: string;
  backend: Exclude<OverlayBackend, 'none'>;
  mtu: number;
  /** Set once the device, address and routes exist; otherwise why not. */
  configured: true | { why: string };
  peers: PeerHealth[];
}

/** Why `me` cannot reach `peer`, in words that name the fix; undefined when it can. */
export function peerProblem(me: string, peer: PeerHealth, mtu: number): string | undefined {
  const r = peer.last;
  if (!r || peer.failedRounds < FAILED_ROUNDS_TO_REPORT) return undefined;
  if (!r.direct && r.overlay !== true) return `node IP ${peer.nodeIP} of ${peer.name} is not reachable from ${me} (wrong --node-ip / --flannel-iface?)`;
  if (r.overlay === false) return `UDP 8472 (VXLAN) is blocked between ${me} and ${peer.name} (${peer.nodeIP}) — open it in the firewall`;
  if (r.overlayLarge === false) {
    return `MTU problem between ${me} and ${peer.name}: small overlay packets pass but ${mtu}-byte ones do not — the path between the nodes drops ${mtu + 50}-byte packets; lower the MTU of the underlay interface (the overlay uses it minus 50) or fix the path`;
  }
  // The overlay works and only the check's own port is filtered at the node IP: not the overlay's fault.
  return undefined;
}

export function overlayConditions(s: OverlayState): OverlayConditionSpec[] {
  if (s.configured !== true) {
    return [
      { type: NETWORK_UNAVAILABLE, status: 'True', reason: 'K3tsOverlayNotReady', message: `k3ts ${s.backend} overlay is not configured yet: ${s.configured.why}` },
      { type: OVERLAY_REACHABLE, status: 'Unknown', reason: 'K3tsOverlayNotReady', message: 'the overlay is not configured yet' },
    ];
  }
  const up: OverlayConditionSpec = { type: NETWORK_UNAVAILABLE, status: 'False', reason: 'K3tsOverlayUp', message: `k3ts ${s.backend} overlay is configured (MTU ${s.mtu})` };
  const problems = s.peers.flatMap((p) => peerProblem(s.me, p, s.mtu) ?? []);
  if (problems.length) return [up, { type: OVERLAY_REACHABLE, status: 'False', reason: 'K3tsPeersUnreachable', message: problems.join('; ') }];
  const via = s.backend === 'vxlan' ? 'over the overlay' : 'at their node IPs';
  const message = s.peers.length === 0 ? 'no peers yet' : `all ${s.peers.length} peer${s.peers.length === 1 ? '' : 's'} answer ${via}`;
  return [up, { type: OVERLAY_REACHABLE, status: 'True', reason: 'K3tsPeersReachable', message }];
}
