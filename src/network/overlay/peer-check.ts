// The overlay checking itself: every node answers small UDP datagrams on its overlay address and its
// node IP (PEER_CHECK_PORT), and probes every peer each round both ways. Comparing the two tells a
// firewall dropping VXLAN from a wrong node IP; a full-MTU probe tells an MTU problem.
import type { PeerHealth, ProbeRound } from './conditions.js';
import type { Peer } from './peers.js';
import type { ProbeTarget, ProbeTransport } from './probe-transport.js';
import { recordPeerRound } from './metrics.js';

/** UDP port of the echo responder (next to VXLAN's 8472); open it between nodes like 8472. */
export const PEER_CHECK_PORT = 8473;
export const PROBE_INTERVAL_MS = 5000;
const PROBE_TIMEOUT_MS = 1000;
const SMALL = 64;
/** IPv4 (20) + UDP (8) headers: a payload of mtu - 28 makes a packet exactly the overlay MTU. */
const IP_UDP_HEADERS = 28;

export interface PeerCheckOptions {
  transport: ProbeTransport;
  /** This node's addresses to answer on: its node IP and (vxlan) its overlay `.0`. */
  listenOn(): string[];
  /** The peers to probe now (the overlay's current desired state). */
  peers(): Peer[];
  backend: 'vxlan' | 'host-gw';
  mtu: number;
  intervalMs?: number;
  port?: number;
  onRound(health: PeerHealth[]): void;
}

/** Pure: the datagrams one round sends to one peer, in ProbeRound's field order. */
export function roundTargets(p: Peer, o: { backend: 'vxlan' | 'host-gw'; mtu: number; port: number }): ProbeTarget[] {
  const direct = { address: p.publicIP, port: o.port, size: SMALL };
  if (o.backend !== 'vxlan') return [direct];
  return [{ address: p.gateway, port: o.port, size: SMALL }, { address: p.gateway, port: o.port, size: o.mtu - IP_UDP_HEADERS }, direct];
}

export function roundResult(answers: boolean[], backend: 'vxlan' | 'host-gw'): ProbeRound {
  return backend === 'vxlan' ? { overlay: answers[0]!, overlayLarge: answers[1]!, direct: answers[2]! } : { direct: answers[0]! };
}

const roundFailed = (r: ProbeRound) => !r.direct || r.overlay === false || r.overlayLarge === false;

/** Pure: the health after one more round (peers gone from `peers` are forgotten). */
export function nextHealth(prev: PeerHealth[], peers: Peer[], results: ProbeRound[]): PeerHealth[] {
  return peers.map((p, i) => {
    const before = prev.find((h) => h.name === p.name && h.nodeIP === p.publicIP);
    const last = results[i]!;
    return { name: p.name, nodeIP: p.publicIP, last, failedRounds: roundFailed(last) ? (before?.failedRounds ?? 0) + 1 : 0 };
  });
}

export function startPeerCheck(o: PeerCheckOptions): { stop(): Promise<void>; roundNow(): Promise<void> } {
  const port = o.port ?? PEER_CHECK_PORT;
  let health: PeerHealth[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const round = async () => {
    await o.transport.listen(o.listenOn(), port);
    const peers = o.peers();
    const targets = peers.map((p) => roundTargets(p, { backend: o.backend, mtu: o.mtu, port }));
    // One batch for all peers: a round takes one timeout however many peers there are.
    const answers = await o.transport.probe(targets.flat(), PROBE_TIMEOUT_MS);
    let at = 0;
    const results = targets.map((t) => roundResult(answers.slice(at, (at += t.length)), o.backend));
    if (stopped) return;
    const previous = health;
    health = nextHealth(health, peers, results);
    recordPeerRound(previous, health);
    o.onRound(health);
  };

  const loop = () => {
    if (stopped) return;
    running = round()
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, o.intervalMs ?? PROBE_INTERVAL_MS);
      });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await o.transport.listen([], port);
    },
    async roundNow() {
      await running;
      running = round();
      await running;
    },
  };
}
