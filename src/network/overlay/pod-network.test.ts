// The overlay for real, in network namespaces: three nodes on one LAN, a pod on each, the overlay of
// each node run from this process (host commands through `ip netns exec`, the peer check's sockets
// in a helper process per node namespace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryInformer } from '../../client/informer.js';
import { mustRun, type RunCommand } from '../host-command.js';
import { netnsProbeTransport, type NetnsProbeTransport } from './netns-transport.js';
import { startPodNetwork } from './pod-network.js';
import { createLab, netnsSkipReason, type Lab, type LabNode } from './test-lab.js';
import { sourceSeenBy, startEchoServer } from './test-traffic.js';
import type { OverlayBackend, OverlayNode, PodNetwork } from './types.js';

const skip = netnsSkipReason();
if (skip) console.log(`# skipping the overlay's namespace tests: ${skip}`);

const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

/** What stop() must leave as it found it: links, IPv4 routes (all tables), iptables rules and chains. */
async function hostState(run: RunCommand): Promise<string> {
  const links = (JSON.parse(await mustRun(run, 'ip', ['-j', 'link', 'show'])) as Array<{ ifname: string; mtu: number }>).map((l) => `${l.ifname} ${l.mtu}`);
  const routes = (await mustRun(run, 'ip', ['-4', 'route', 'show', 'table', 'all'])).split('\n');
  // Tables iptables created on first use stay (empty) on nf_tables; rules and our chains must not.
  const rules = (await mustRun(run, 'iptables-save', [])).split('\n').filter((l) => l.startsWith('-A ') || (l.startsWith(':') && !BUILTIN.has(l.slice(1).split(' ')[0]!)));
  return [...links, ...routes, ...rules].join('\n');
}

interface Cluster {
  lab: Lab;
  informer: MemoryInformer<OverlayNode>;
  networks: PodNetwork[];
  transports: NetnsProbeTransport[];
  before: string[];
}

async function startCluster(lab: Lab, backend: OverlayBackend, resyncMs = 2000): Promise<Cluster> {
  const before = await Promise.all(lab.nodes.map((n) => hostState(n.run)));
  let rv = 0;
  const informer = new MemoryInformer<OverlayNode>(
    lab.nodes.map((n) => ({ metadata: { name: n.name, resourceVersion: String(++rv) }, spec: { podCIDR: n.podCidr }, status: { addresses: [{ type: 'InternalIP', address: n.ip }] } })),
  );
  const annotate = (n: LabNode) => async (annotations: Record<string, string>) => {
    const cur = informer.get(undefined, n.name)!;
    informer.set({ ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...annotations }, resourceVersion: String(++rv) } });
  };
  const cluster: Cluster = { lab, informer, networks: [], transports: [], before };
  for (const n of lab.nodes) {
    const probes = await netnsProbeTransport(n.ns);
    cluster.transports.push(probes);
    cluster.networks.push(
      await startPodNetwork({
        nodes: informer,
        nodeName: n.name,
        nodeIP: n.ip,
        backend,
        clusterCidr: lab.clusterCidr,
        annotate: annotate(n),
        run: n.run,
        probes,
        resyncMs,
        log: { info: () => undefined, warn: (m) => console.log(`# ${n.name}: ${m}`) },
      }),
    );
  }
  await Promise.all(cluster.networks.map((p) => p.ready));
  return cluster;
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.allSettled(c.networks.map((p) => p.stop()));
  await Promise.allSettled(c.transports.map((t) => t.close()));
}

async function eventually<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined> | T | undefined): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < timeoutMs) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return { value: v, ms: Date.now() - start };
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
}

const reachable = (p: PodNetwork) => p.conditions().find((c) => c.type === 'OverlayReachable');

test('vxlan: pods reach pods on other nodes with their own address; the check tells a blocked VXLAN port, an MTU problem and an unreachable node IP; removal and stop clean up', { skip, timeout: 220_000 }, async () => {
  const lab = await createLab({ nodes: 3, podMtu: 1450 });
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster(lab, 'vxlan');
    const [n1, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode];
    assert.equal(cluster.networks[0]!.mtu, 1450);
    assert.equal((await mustRun(n1.run, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).trim(), '1', 'forwarding on in the node namespace');
    const link = JSON.parse(await mustRun(n1.run, 'ip', ['-j', '-d', 'link', 'show', 'flannel.1'])) as Array<{ mtu: number; address: string; linkinfo: { info_data: { id: number; port: number; local: string } } }>;
    assert.deepEqual([link[0]!.mtu, link[0]!.linkinfo.info_data.id, link[0]!.linkinfo.info_data.port, link[0]!.linkinfo.info_data.local], [1450, 1, 8472, n1.ip]);
    assert.equal(cluster.informer.get(undefined, n1.name)!.metadata.annotations!['flannel.alpha.coreos.com/backend-data'], `{"VNI":1,"VtepMAC":"${link[0]!.address}"}`);
    await eventually('every node routes to both peers', 10_000, async () => {
      for (const n of lab.nodes) if ((await mustRun(n.run, 'ip', ['route', 'show', 'dev', 'flannel.1'])).trim().split('\n').length !== 2) return undefined;
      return true;
    });

    // Pod to pod across nodes: the peer sees the pod's own address.
    for (const peer of [n2, n3]) {
      await startEchoServer(lab, peer.pods[0]!.ns, '0.0.0.0', 8080);
      assert.equal(await sourceSeenBy(n1.pods[0]!.ns, peer.pods[0]!.ip, 8080), n1.pods[0]!.ip);
    }
    // Pod to a destination outside the cluster range: masqueraded behind the node IP.
    await startEchoServer(lab, n2.ns, n2.ip, 8081);
    assert.equal(await sourceSeenBy(n1.pods[0]!.ns, n2.ip, 8081), n1.ip);

    const up = await eventually('every node reports its peers reachable', 20_000, () => cluster!.networks.every((p) => reachable(p)?.message === 'all 2 peers answer over the overlay') || undefined);
    console.log(`# OverlayReachable True on all nodes after ${up.ms} ms`);
    assert.deepEqual(
      cluster.networks[0]!.conditions().map((c) => [c.type, c.status, c.reason]),
      [
        ['NetworkUnavailable', 'False', 'K3tsOverlayUp'],
        ['OverlayReachable', 'True', 'K3tsPeersReachable'],
      ],
    );

    // VXLAN dropped at node 3: its peers name it and the port within 30 s, and so does node 3 itself
    // (each node checks on its own timer, so node 3 may be a pass behind the others).
    const drop = ['INPUT', '-p', 'udp', '--dport', '8472', '-j', 'DROP'];
    await mustRun(n3.run, 'iptables', ['-A', ...drop]);
    const down = await eventually('nodes 1 and 2 report UDP 8472 to node 3 blocked, and node 3 to node 1', 30_000, () =>
      (cluster!.networks.slice(0, 2).every((p) => reachable(p)?.status === 'False' && /UDP 8472/.test(reachable(p)!.message!) && reachable(p)!.message!.includes(n3.name)) &&
        /UDP 8472 \(VXLAN\) is blocked between node-3 and node-1/.test(reachable(cluster!.networks[2]!)?.message ?? '')) || undefined,
    );
    console.log(`# fault reported after ${down.ms} ms: ${reachable(cluster.networks[0]!)!.message}`);
    await mustRun(n3.run, 'iptables', ['-D', ...drop]);
    const healed = await eventually('the fault clears once VXLAN passes again', 30_000, () => cluster!.networks.every((p) => reachable(p)?.status === 'True') || undefined);
    console.log(`# cleared after ${healed.ms} ms`);

    // An underlay that carries less than the overlay assumes: node 3's link takes 1400 bytes, so
    // small probes still pass and full-size ones are dropped on the way in.
    await mustRun(n3.run, 'ip', ['link', 'set', 'eth0', 'mtu', '1400']);
    const mtuFault = await eventually('node 1 reports an MTU problem towards node 3', 30_000, () => (/^MTU problem between node-1 and node-3/.test(reachable(cluster!.networks[0]!)!.message!) ? true : undefined));
    console.log(`# MTU fault reported after ${mtuFault.ms} ms: ${reachable(cluster.networks[0]!)!.message}`);
    await mustRun(n3.run, 'ip', ['link', 'set', 'eth0', 'mtu', '1500']);
    await eventually('the MTU fault clears', 30_000, () => cluster!.networks.every((p) => reachable(p)?.status === 'True') || undefined);

    // Node 3's underlay address unreachable (its link down): the node IP is named, not the port.
    await mustRun(n3.run, 'ip', ['link', 'set', 'eth0', 'down']);
    await eventually('node 1 reports node 3 unreachable at its node IP', 30_000, () =>
      reachable(cluster!.networks[0]!)!.message === `node IP ${n3.ip} of node-3 is not reachable from node-1 (wrong --node-ip / --flannel-iface?)` || undefined,
    );
    await mustRun(n3.run, 'ip', ['link', 'set', 'eth0', 'up']);
    await eventually('reachability returns', 30_000, () => cluster!.networks.every((p) => reachable(p)?.status === 'True') || undefined);

    // Node 3 leaves: its route, neighbour and fdb entry go from the others.
    cluster.informer.delete(cluster.informer.get(undefined, n3.name)!);
    await eventually("node 3's entries leave node 1", 10_000, async () => {
      const [routes, neigh, fdb] = await Promise.all([
        mustRun(n1.run, 'ip', ['route', 'show', 'dev', 'flannel.1']),
        mustRun(n1.run, 'ip', ['neigh', 'show', 'dev', 'flannel.1']),
        mustRun(n1.run, 'bridge', ['fdb', 'show', 'dev', 'flannel.1']),
      ]);
      return (!routes.includes('10.42.3.0') && !neigh.includes('10.42.3.0') && !fdb.includes(n3.ip) && routes.includes('10.42.2.0')) || undefined;
    });
    assert.equal(await sourceSeenBy(n1.pods[0]!.ns, n2.pods[0]!.ip, 8080), n1.pods[0]!.ip);

    // Drift: an entry removed behind the overlay's back is back by the next resync.
    await mustRun(n1.run, 'ip', ['neigh', 'del', '10.42.2.0', 'dev', 'flannel.1']);
    await eventually("node 2's neighbour entry is restored", 10_000, async () => (await mustRun(n1.run, 'ip', ['neigh', 'show', 'dev', 'flannel.1'])).includes('10.42.2.0 lladdr') || undefined);

    // Many passes later (resync every 2 s) each jump exists once.
    assert.equal((await mustRun(n1.run, 'iptables', ['-t', 'nat', '-S', 'POSTROUTING'])).split('\n').filter((l) => l.includes('K3TS-POSTROUTING-MASQ')).length, 1);
    assert.equal((await mustRun(n1.run, 'iptables', ['-S', 'FORWARD'])).split('\n').filter((l) => l.includes('K3TS-FORWARD')).length, 1);

    const { before } = cluster;
    await stopCluster(cluster);
    cluster = undefined;
    assert.deepEqual(await Promise.all(lab.nodes.map((n) => hostState(n.run))), before);
  } finally {
    if (cluster) await stopCluster(cluster);
    await lab.destroy();
  }
});

test('host-gw: plain routes via the peers node IPs carry pod traffic unmasqueraded; stop removes them', { skip, timeout: 120_000 }, async () => {
  const lab = await createLab({ nodes: 2 });
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster(lab, 'host-gw');
    const [n1, n2] = lab.nodes as [LabNode, LabNode];
    assert.equal(cluster.networks[0]!.mtu, 1500);
    await eventually('node 1 routes to node 2 via its IP', 10_000, async () => (await mustRun(n1.run, 'ip', ['route', 'show', '10.42.2.0/24'])).includes(`via ${n2.ip}`) || undefined);
    await startEchoServer(lab, n2.pods[0]!.ns, '0.0.0.0', 8080);
    assert.equal(await sourceSeenBy(n1.pods[0]!.ns, n2.pods[0]!.ip, 8080), n1.pods[0]!.ip);
    await eventually('both report their peer reachable', 20_000, () => cluster!.networks.every((p) => reachable(p)?.status === 'True') || undefined);
    const { before } = cluster;
    await stopCluster(cluster);
    cluster = undefined;
    assert.deepEqual(await Promise.all(lab.nodes.map((n) => hostState(n.run))), before);
  } finally {
    if (cluster) await stopCluster(cluster);
    await lab.destroy();
  }
});
