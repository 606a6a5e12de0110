// One node's part of the pod network: the VXLAN device (or host-gw routes) kept in step with the
// Node list, masquerade, and the peer check feeding the Node's conditions. Level-triggered: every
// pass reads the kernel's state and converges on the Nodes' state, whatever triggered it.
import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import { mustRun, runCommand, type NetworkStopOptions, type RunCommand } from '../host-command.js';
import { nthAddress, parseCidr } from '../ipv4.js';
import { hasAnnotations, ownAnnotations, readPeerAnnotations } from './annotations.js';
import { overlayConditions, type OverlayConditionSpec, type PeerHealth } from './conditions.js';
import { ensureMasquerade, removeMasquerade } from './masquerade.js';
import { readFdb, readNeighbours, readRoutes } from './observed.js';
import { startPeerCheck } from './peer-check.js';
import { desiredPeers, podCidrOf, type Peer } from './peers.js';
import { planHostGw, planVxlan, type HostCommand } from './plan.js';
import { ensureSysctls } from './sysctl.js';
import type { PodNetwork, PodNetworkOptions } from './types.js';
import { udpProbeTransport } from './udp-transport.js';
import { findUnderlay, VXLAN_OVERHEAD } from './underlay.js';
import { ensureVxlanDevice, removeVxlanDevice, VXLAN_DEVICE } from './vxlan-device.js';

const RESYNC_MS = 30_000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

async function apply(run: RunCommand, commands: HostCommand[]): Promise<void> {
  for (const c of commands) await mustRun(run, c.cmd, c.args);
}

export async function startPodNetwork(o: PodNetworkOptions): Promise<PodNetwork> {
  const run = o.run ?? runCommand;
  parseCidr(o.clusterCidr);
  if (o.backend === 'none') {
    // Someone else's network: nothing to configure, nothing to report, the underlay's MTU as it is.
    const underlay = await findUnderlay(run, o).catch(() => ({ mtu: 1500 }));
    return { mtu: underlay.mtu, ready: Promise.resolve(), conditions: () => [], onConditionsChange: () => () => undefined, async stop() {} };
  }
  const backend = o.backend;
  const underlay = await findUnderlay(run, o);
  const mtu = backend === 'vxlan' ? underlay.mtu - VXLAN_OVERHEAD : underlay.mtu;

  let configured: true | { why: string } = { why: 'waiting for the Node list' };
  let health: PeerHealth[] = [];
  let peers: Peer[] = [];
  let ownAddress: string | undefined;
  let specs: OverlayConditionSpec[] = [];
  const transitions = new Map<string, string>();
  const listeners = new Set<(c: NodeCondition[]) => void>();
  const conditions = (): NodeCondition[] => specs.map((c) => ({ ...c, lastTransitionTime: transitions.get(c.type)! }));
  const refresh = () => {
    const next = overlayConditions({ me: o.nodeName, backend, mtu, configured, peers: health });
    if (JSON.stringify(next) === JSON.stringify(specs)) return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const c of next) if (specs.find((p) => p.type === c.type)?.status !== c.status) transitions.set(c.type, now);
    specs = next;
    const snapshot = conditions();
    for (const fn of listeners) fn(snapshot);
  };
  refresh();

  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const ownTransport = !o.probes;
  const transport = o.probes ?? udpProbeTransport();
  let check: ReturnType<typeof startPeerCheck> | undefined;
  let lastSkipped = '';

  const reconcile = async () => {
    const self = o.nodes.get(undefined, o.nodeName);
    const podCidr = podCidrOf(self);
    if (!podCidr) {
      configured = { why: 'no podCIDR assigned to this node yet' };
      return;
    }
    await ensureSysctls(run);
    let vtepMac: string | undefined;
    if (backend === 'vxlan') {
      ownAddress = nthAddress(parseCidr(podCidr), 0);
      const published = self ? readPeerAnnotations(self) : undefined;
      const previousMac = published && 'vtepMac' in published ? published.vtepMac : undefined;
      vtepMac = await ensureVxlanDevice(run, { nodeIP: o.nodeIP, iface: underlay.iface, mtu, address: ownAddress, ...(previousMac ? { mac: previousMac } : {}) });
    }
    const want = ownAnnotations({ backend, nodeIP: o.nodeIP, ...(vtepMac ? { vtepMac } : {}) });
    if (!hasAnnotations(self, want)) await o.annotate(want);

    const desired = desiredPeers(o.nodes.list(), { self: o.nodeName, backend, clusterCidr: o.clusterCidr });
    const skipped = desired.skipped.map((s) => `${s.name}: ${s.why}`).join('; ');
    if (skipped !== lastSkipped && skipped) o.log.info(`overlay: not routing to ${skipped}`);
    lastSkipped = skipped;
    if (backend === 'vxlan') {
      const [routes, neighbours, fdb] = await Promise.all([readRoutes(run, VXLAN_DEVICE), readNeighbours(run, VXLAN_DEVICE), readFdb(run, VXLAN_DEVICE)]);
      await apply(run, planVxlan(desired.peers, { routes, neighbours, fdb }, VXLAN_DEVICE));
    } else {
      await apply(run, planHostGw(desired.peers, await readRoutes(run), { clusterCidr: o.clusterCidr, vxlanDev: VXLAN_DEVICE }));
    }
    await ensureMasquerade(run, parseCidr(o.clusterCidr).text);
    peers = desired.peers;
    configured = true;
    markReady();
    check ??= startPeerCheck({
      transport,
      backend,
      mtu,
      ...(o.probeIntervalMs ? { intervalMs: o.probeIntervalMs } : {}),
      listenOn: () => (ownAddress ? [o.nodeIP, ownAddress] : [o.nodeIP]),
      peers: () => peers,
      onRound: (h) => {
        health = h;
        refresh();
      },
    });
  };

  // One pass at a time; triggers during a pass cause exactly one more.
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let retryMs = RETRY_MIN_MS;
  const kick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = reconcile()
      .then(
        () => {
          retryMs = RETRY_MIN_MS;
          return o.resyncMs ?? RESYNC_MS;
        },
        (err: unknown) => {
          o.log.warn(`overlay: ${err instanceof Error ? err.message : String(err)}; retrying in ${retryMs} ms`);
          const wait = retryMs;
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
          return wait;
        },
      )
      .then((wait) => {
        running = undefined;
        refresh();
        if (stopped) return;
        if (again) {
          again = false;
          kick();
        } else timer = setTimeout(kick, wait);
      });
  };
  const unsubscribe = o.nodes.subscribe(() => kick());
  void o.nodes.synced.then(kick);

  return {
    mtu,
    ready,
    conditions,
    onConditionsChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async stop(so: NetworkStopOptions = {}) {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      await running;
      await check?.stop();
      if (ownTransport) await transport.close();
      if (so.leaveInPlace) return;
      if (backend === 'vxlan') await removeVxlanDevice(run);
      else await apply(run, planHostGw([], await readRoutes(run), { clusterCidr: o.clusterCidr, vxlanDev: VXLAN_DEVICE }));
      await removeMasquerade(run);
    },
  };
}
