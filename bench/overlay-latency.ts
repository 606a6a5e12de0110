// Pod-to-pod request latency over the VXLAN overlay against the same-node floor: two nodes in
// network namespaces (the overlay's test lab), pods on both, one client pod on node 1 doing N small
// TCP request/responses, one connection each, to a pod on its own node and to one on node 2.
// Needs root; says why and measures nothing otherwise.
//   npx tsc -p tsconfig.json && node dist/bench/overlay-latency.js [--requests 2000] [--backend vxlan|host-gw]
import { MemoryInformer } from '../src/client/informer.js';
import { mustRun, runCommand } from '../src/network/host-command.js';
import { netnsProbeTransport, type NetnsProbeTransport } from '../src/network/overlay/netns-transport.js';
import { startPodNetwork } from '../src/network/overlay/pod-network.js';
import { createLab, netnsSkipReason } from '../src/network/overlay/test-lab.js';
import { startEchoServer } from '../src/network/overlay/test-traffic.js';
import type { OverlayNode, PodNetwork } from '../src/network/overlay/types.js';
import { percentile } from './stats.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? fallback : fallback;
};
const REQUESTS = Number(arg('requests', '2000'));
const WARMUP = 200;
const backend = arg('backend', 'vxlan') as 'vxlan' | 'host-gw';

/** argv: host port count. Prints one JSON array of round-trip milliseconds (after a warm-up). */
const PING_CLIENT = `
import { connect } from 'node:net';
const [host, port, count, warmup] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const s = connect({ host, port });
s.setNoDelay(true);
const payload = Buffer.alloc(32, 120);
const times = [];
let greeted = false, got = 0, sent = 0, t0 = 0n;
const next = () => { t0 = process.hrtime.bigint(); sent++; s.write(payload); };
s.on('data', (d) => {
  if (!greeted) { const nl = d.indexOf(10); greeted = true; d = d.subarray(nl + 1); if (!d.length) return next(); }
  got += d.length;
  if (got < payload.length) return;
  got -= payload.length;
  if (sent > warmup) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (sent < count + warmup) next(); else { console.log(JSON.stringify(times)); s.end(); }
});
`;

async function main(): Promise<void> {
  const skip = netnsSkipReason();
  if (skip) {
    console.log(`overlay-latency: skipped: ${skip}`);
    return;
  }
  const lab = await createLab({ nodes: 2, podsPerNode: 2, ...(backend === 'vxlan' ? { podMtu: 1450 } : {}) });
  const networks: PodNetwork[] = [];
  const transports: NetnsProbeTransport[] = [];
  try {
    let rv = 0;
    const informer = new MemoryInformer<OverlayNode>(lab.nodes.map((n) => ({ metadata: { name: n.name, resourceVersion: String(++rv) }, spec: { podCIDR: n.podCidr } })));
    for (const n of lab.nodes) {
      const probes = await netnsProbeTransport(n.ns);
      transports.push(probes);
      networks.push(
        await startPodNetwork({
          nodes: informer,
          nodeName: n.name,
          nodeIP: n.ip,
          backend,
          clusterCidr: lab.clusterCidr,
          run: n.run,
          probes,
          annotate: async (a) => {
            const cur = informer.get(undefined, n.name)!;
            informer.set({ ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...a }, resourceVersion: String(++rv) } });
          },
          log: { info: () => undefined, warn: (m) => console.error(m) },
        }),
      );
    }
    await Promise.all(networks.map((p) => p.ready));
    const [n1, n2] = lab.nodes;
    // Routes to the peer are in once both nodes have seen each other's annotations.
    for (let i = 0; i < 50 && !(await mustRun(n1!.run, 'ip', ['route', 'show', '10.42.2.0/24'])).includes('via'); i++) await new Promise((r) => setTimeout(r, 100));
    const client = n1!.pods[0]!;
    const targets = [
      { name: 'same node (bridge)', pod: n1!.pods[1]! },
      { name: `other node (${backend})`, pod: n2!.pods[0]! },
    ];
    console.log(`overlay-latency: ${REQUESTS} request/responses of 32 bytes on one TCP connection, after ${WARMUP} warm-up, MTU ${networks[0]!.mtu}`);
    for (const t of targets) {
      await startEchoServer(lab, t.pod.ns, '0.0.0.0', 9000);
      const out = await mustRun(runCommand, 'nsenter', [`--net=/var/run/netns/${client.ns}`, process.execPath, '--input-type=module', '-e', PING_CLIENT, t.pod.ip, '9000', String(REQUESTS), String(WARMUP)]);
      const ms = JSON.parse(out) as number[];
      // Three decimals: the two paths differ by tens of microseconds, below stats.ts' rounding.
      const f = (q: number) => percentile(ms, q).toFixed(3);
      console.log(`  ${t.name.padEnd(22)} ${client.ip} -> ${t.pod.ip}: p50 ${f(50)} ms, p99 ${f(99)} ms, max ${f(100)} ms (n=${ms.length})`);
    }
  } finally {
    await Promise.allSettled(networks.map((p) => p.stop()));
    await Promise.allSettled(transports.map((t) => t.close()));
    await lab.destroy();
  }
}

await main();
