// The peer check's last round per peer, as Prometheus series (k3ts' own: upstream flannel has no
// such check). One gauge per probe path so a VXLAN-only or MTU-only failure is visible as such.
import { Gauge } from 'prom-client';
import { nodeRegistry } from '../../instrumentation/registries.js';
import type { PeerHealth } from './conditions.js';

const registers = [nodeRegistry];

const probeSuccess = new Gauge({
  name: 'k3ts_overlay_peer_probe_success',
  help: 'Whether the last peer-check probe to a peer was answered (1) or not (0), by path: overlay (small datagram through the tunnel), overlay_large (full overlay MTU), direct (to the node IP).',
  labelNames: ['peer', 'peer_ip', 'path'],
  registers,
});
const failedRounds = new Gauge({
  name: 'k3ts_overlay_peer_failed_rounds',
  help: 'Consecutive peer-check rounds with a failed probe to a peer (0 when healthy).',
  labelNames: ['peer', 'peer_ip'],
  registers,
});

/** Reports one round; peers that left since the previous round lose their series. */
export function recordPeerRound(previous: PeerHealth[], health: PeerHealth[]): void {
  const now = new Set(health.map((h) => `${h.name}\0${h.nodeIP}`));
  for (const h of previous) {
    if (now.has(`${h.name}\0${h.nodeIP}`)) continue;
    for (const path of ['overlay', 'overlay_large', 'direct']) probeSuccess.remove({ peer: h.name, peer_ip: h.nodeIP, path });
    failedRounds.remove({ peer: h.name, peer_ip: h.nodeIP });
  }
  for (const h of health) {
    const paths: Array<[string, boolean | undefined]> = [['overlay', h.last?.overlay], ['overlay_large', h.last?.overlayLarge], ['direct', h.last?.direct]];
    for (const [path, ok] of paths) if (ok !== undefined) probeSuccess.set({ peer: h.name, peer_ip: h.nodeIP, path }, ok ? 1 : 0);
    failedRounds.set({ peer: h.name, peer_ip: h.nodeIP }, h.failedRounds);
  }
}
