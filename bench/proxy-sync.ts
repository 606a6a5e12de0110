// The service proxy on a real kernel, in network namespaces it makes (see src/proxy/test-netns.ts):
//  1. the first write of 1,000 Services x 3 endpoints (start -> synced: checks, sysctls, read, restore, jumps);
//  2. one endpoint change -> its rule in the kernel, end to end from the informer change: when
//     iptables-restore returned, and when `iptables -S` first shows the new endpoint chain;
//  3. NodePort requests/s through the proxy against the same pod straight by its IP, with wrk from
//     another namespace, the 1,000 Services loaded; keep-alive and one connection per request.
// Needs root; says why and measures nothing otherwise.
//   npx tsc -p tsconfig.json && node dist/bench/proxy-sync.js [--services 1000] [--changes 50] [--wrk-seconds 2]
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MemoryInformer } from '../src/client/informer.js';
import { mustRun, type RunCommand } from '../src/network/host-command.js';
import { intToIp, ipToInt } from '../src/network/ipv4.js';
import type { KObject } from '../src/registry/types.js';
import { endpointChain } from '../src/proxy/chains.js';
import { startServiceProxy } from '../src/proxy/iptables-proxy.js';
import { endpointSlice, service } from '../src/proxy/objects.js';
import { buildProxyRules } from '../src/proxy/rules.js';
import { CLUSTER_CIDR, createNetnsWorld, NODE_IP, netnsSkipReason } from '../src/proxy/test-netns.js';
import { ms, verdict, type Row } from './report.js';
import { latencyStats, median, round2, type LatencyStats } from './stats.js';

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const SVC_BASE = ipToInt('10.96.16.0')!;
const EP_BASE = ipToInt('10.244.16.0')!;
const WEB_NODE_PORT = 30080;

export interface ProxySyncBenchResult {
  /** 1-minute load average and cores when the run began: other work on the machine slows iptables-restore. */
  host: { load1: number; cores: number };
  services: number;
  endpointsPerService: number;
  rules: { nat: number; filter: number };
  /** buildProxyRules alone (pure), ms. */
  buildMs: number;
  /** start -> synced, per round. */
  firstWrite: LatencyStats;
  /** informer change -> iptables-restore returned. */
  changeWritten: LatencyStats;
  /** informer change -> `iptables -t nat -S <new endpoint chain>` shows it (includes ~5 ms per poll). */
  changeVisible: LatencyStats;
  wrk?: { keepAlive: WrkPair; newConnections: WrkPair; seconds: number; connections: number };
}

interface WrkPair {
  /** Medians of the rounds, requests/s. */
  direct: number;
  proxy: number;
  /** Median over the pairs of proxy/direct. */
  ratio: number;
}

function objects(n: number) {
  const services: KObject[] = [];
  const slices: KObject[] = [];
  for (let i = 0; i < n; i++) {
    services.push(service(`svc-${i}`, { clusterIP: intToIp(SVC_BASE + i) }));
    slices.push(endpointSlice(`svc-${i}`, [0, 1, 2].map((k) => ({ ip: intToIp(EP_BASE + i * 3 + k) }))));
  }
  return { services, slices };
}

function wrkRps(ns: string, url: string, seconds: number, connections: number, close: boolean): number {
  const args = ['netns', 'exec', ns, 'wrk', '-t', '2', '-c', String(connections), '-d', `${seconds}s`, ...(close ? ['-H', 'Connection: close'] : []), url];
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  return Number(m[1]);
}

export async function benchProxySync(o: { services: number; changes: number; wrkSeconds: number; log(msg: string): void }): Promise<ProxySyncBenchResult | { skipped: string }> {
  const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces and iptables)' : netnsSkipReason();
  if (skip) return { skipped: skip };
  const host = { load1: round2(loadavg()[0]!), cores: cpus().length };
  const w = await createNetnsWorld({ pods: 3 });
  const proxies: Array<{ stop(): Promise<void> }> = [];
  try {
    const { services: svcObjs, slices: sliceObjs } = objects(o.services);
    // One real service in front of pod-0 only, so proxy and direct reach the same single server.
    const web = service('web', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, nodePort: WEB_NODE_PORT, protocol: 'TCP' }] });
    const webSlice = endpointSlice('web', [{ ip: w.pods[0]!.ip }]);
    const t0 = performance.now();
    const built = buildProxyRules({ services: svcObjs as never, endpointSlices: sliceObjs as never, nodeName: 'n', nodeIPs: [NODE_IP], clusterCidr: CLUSTER_CIDR });
    const buildMs = performance.now() - t0;
    const count = (m: ReadonlyMap<string, readonly string[]>) => [...m.values()].reduce((a, r) => a + r.length, 0);
    o.log(`rules for ${o.services} services: nat ${count(built.nat)} in ${built.nat.size} chains, filter ${count(built.filter)}; built in ${buildMs.toFixed(1)} ms`);

    const node = w.run(w.node);
    let restoreDone = 0;
    const run: RunCommand = async (cmd, args, input) => {
      const r = await node(cmd, args, input);
      if (cmd === 'iptables-restore') restoreDone = performance.now();
      return r;
    };
    const opts = (services: MemoryInformer<KObject>, slices: MemoryInformer<KObject>) => ({
      services,
      endpointSlices: slices,
      nodeName: 'n',
      nodeIPs: [NODE_IP],
      clusterCidr: CLUSTER_CIDR,
      run,
      resyncMs: 600_000,
    });

    const firstWrites: number[] = [];
    for (let round = 0; round < 3; round++) {
      const services = new MemoryInformer<KObject>([...svcObjs, web]);
      const slices = new MemoryInformer<KObject>([...sliceObjs, webSlice]);
      const start = performance.now();
      const proxy = startServiceProxy(opts(services, slices));
      await proxy.synced;
      firstWrites.push(performance.now() - start);
      o.log(`  first write, round ${round + 1}: ${(performance.now() - start).toFixed(0)} ms`);
      await proxy.stop();
    }

    const services = new MemoryInformer<KObject>([...svcObjs, web]);
    const slices = new MemoryInformer<KObject>([...sliceObjs, webSlice]);
    const proxy = startServiceProxy(opts(services, slices));
    proxies.push(proxy);
    await proxy.synced;
    const written: number[] = [];
    const visible: number[] = [];
    for (let i = 0; i < o.changes; i++) {
      const s = (i * 37) % o.services;
      const newIp = intToIp(EP_BASE + o.services * 3 + i);
      const sep = endpointChain(`default/svc-${s}:http/TCP`, newIp, 8080);
      const before = restoreDone;
      const t = performance.now();
      slices.set(endpointSlice(`svc-${s}`, [0, 1].map((k) => ({ ip: intToIp(EP_BASE + s * 3 + k) })).concat({ ip: newIp })));
      for (;;) {
        const r = await node('iptables', ['-t', 'nat', '-S', sep]);
        if (r.code === 0 && r.stdout.includes(newIp)) break;
        if (performance.now() - t > 5000) throw new Error(`endpoint ${newIp} not live after 5 s`);
      }
      visible.push(performance.now() - t);
      while (restoreDone === before) await sleep(1);
      written.push(restoreDone - t);
      await sleep(20);
    }
    o.log(`  endpoint change: written p50 ${median(written).toFixed(1)} ms, visible p50 ${median(visible).toFixed(1)} ms`);

    let wrk: ProxySyncBenchResult['wrk'];
    if (spawnSync('sh', ['-c', 'command -v wrk']).status === 0 && o.wrkSeconds > 0) {
      const connections = 16;
      // Thousands of short connections a second would run the client out of ports (TIME_WAIT) long
      // before either path is the limit; these namespaces are ours to tune.
      for (const ns of [w.client, ...w.pods.map((p) => p.ns)]) {
        await mustRun(w.run(ns), 'sysctl', ['-w', 'net.ipv4.tcp_tw_reuse=1', 'net.ipv4.ip_local_port_range=10000 65000']);
      }
      const pair = (close: boolean): WrkPair => {
        const direct: number[] = [];
        const viaProxy: number[] = [];
        // Keep-alive: another host to the NodePort (DNAT + masquerade). One connection per request:
        // from a pod to the ClusterIP, not masqueraded; masqueraded, every connection from one host to
        // one pod needs its own NAT port for conntrack's 120 s TIME_WAIT, which caps that case near
        // 500 connections/s whatever the proxy does.
        const from = close ? w.pods[1]!.ns : w.client;
        const via = close ? 'http://10.96.0.10/' : `http://${NODE_IP}:${WEB_NODE_PORT}/`;
        // Pairs in ABBA order, each from a clean conntrack table, and the ratio taken per pair: other
        // load on the machine comes and goes, and must hit both sides alike.
        const ratios: number[] = [];
        for (let k = 0; k < 6; k++) {
          const one = (proxied: boolean) => {
            spawnSync('ip', ['netns', 'exec', w.node, 'conntrack', '-F'], { stdio: 'ignore' });
            return wrkRps(from, proxied ? via : `http://${w.pods[0]!.ip}:8080/`, o.wrkSeconds, connections, close);
          };
          const [first, second] = k % 2 === 0 ? [one(false), one(true)] : [one(true), one(false)];
          const [dk, pk] = k % 2 === 0 ? [first, second] : [second, first];
          direct.push(dk);
          viaProxy.push(pk);
          ratios.push(pk / dk);
        }
        o.log(`  wrk ${close ? 'new connection per request' : 'keep-alive'}: direct ${direct.map(Math.round).join('/')}, proxy ${viaProxy.map(Math.round).join('/')}`);
        const d = median(direct);
        const p = median(viaProxy);
        return { direct: Math.round(d), proxy: Math.round(p), ratio: round2(median(ratios)) };
      };
      wrk = { keepAlive: pair(false), newConnections: pair(true), seconds: o.wrkSeconds, connections };
    }
    return {
      host,
      services: o.services,
      endpointsPerService: 3,
      rules: { nat: count(built.nat), filter: count(built.filter) },
      buildMs: round2(buildMs),
      firstWrite: latencyStats(firstWrites),
      changeWritten: latencyStats(written),
      changeVisible: latencyStats(visible),
      ...(wrk ? { wrk } : {}),
    };
  } finally {
    for (const p of proxies) await p.stop().catch(() => undefined);
    await w.teardown();
  }
}

export function proxySyncRows(r: ProxySyncBenchResult | { skipped: string }): Row[] {
  if ('skipped' in r) return [{ figure: 'service proxy (iptables)', value: `skipped: ${r.skipped}` }];
  const rows: Row[] = [
    { figure: 'machine load when started (1 min avg / cores)', value: `${r.host.load1} / ${r.host.cores}` },
    { figure: `proxy rules for ${r.services} Services x ${r.endpointsPerService} endpoints`, value: `nat ${r.rules.nat} / filter ${r.rules.filter} rules, built in ${ms(r.buildMs)}` },
    { figure: 'first full write (start -> synced), p50 of 3', value: ms(r.firstWrite.p50Ms), target: verdict('<= 1000 ms', r.firstWrite.p50Ms <= 1000) },
    { figure: 'endpoint change -> iptables-restore done, p50 / max', value: `${ms(r.changeWritten.p50Ms)} / ${ms(r.changeWritten.maxMs)}` },
    {
      figure: 'endpoint change -> rule visible (iptables -S), p50 / p99',
      value: `${ms(r.changeVisible.p50Ms)} / ${ms(r.changeVisible.p99Ms)}`,
      target: verdict('<= 100 ms', r.changeVisible.p99Ms <= 100),
      upstream: 'kube-proxy minSyncPeriod 1 s',
    },
  ];
  if (r.wrk) {
    rows.push(
      { figure: `NodePort (other host) vs pod IP, keep-alive (wrk ${r.wrk.connections} conns)`, value: `${r.wrk.keepAlive.proxy} / ${r.wrk.keepAlive.direct} req/s` },
      { figure: '  ratio', value: `${r.wrk.keepAlive.ratio.toFixed(2)}`, target: verdict('>= 0.9', r.wrk.keepAlive.ratio >= 0.9) },
      { figure: 'ClusterIP (from a pod) vs pod IP, new connection per request', value: `${r.wrk.newConnections.proxy} / ${r.wrk.newConnections.direct} req/s` },
      { figure: '  ratio', value: `${r.wrk.newConnections.ratio.toFixed(2)}`, target: verdict('>= 0.9', r.wrk.newConnections.ratio >= 0.9) },
    );
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const arg = (name: string, d: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const { renderTable } = await import('./report.js');
  const r = await benchProxySync({ services: arg('--services', 1000), changes: arg('--changes', 50), wrkSeconds: arg('--wrk-seconds', 2), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${renderTable(proxySyncRows(r))}\n${JSON.stringify(r)}\n`);
}
