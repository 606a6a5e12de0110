// What resource metrics cost a kubelet: N pods (one container each) running, the kubelet's stats
// collector reads every counter (one CRI ListContainerStats plus /proc for the node) and builds
// the Summary, R times; CPU of this process (the kubelet's side) and of containerd (which reads
// the cgroups for it) per reading, and so per interval at the default 10 s. The simulated runtime
// is measured the same way for comparison. Needs root and containerd for the real part; says why
// and measures only the simulator otherwise.
//   npx tsc -p tsconfig.json && node dist/bench/stats-collection.js [--pods 30] [--rounds 50]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ContainerRuntime, PodSandboxConfig } from '../src/runtime/types.js';
import { ContainerdRuntime } from '../src/runtime/containerd/containerd-runtime.js';
import { BUSYBOX_IMAGE, containerdSkipReason, startTestContainerd } from '../src/runtime/containerd/test-containerd.js';
import { SimRuntime } from '../src/runtime/sim/sim-runtime.js';
import { StatsCollector, type StatsTarget } from '../src/kubelet/stats/collector.js';
import { readHostUsage } from '../src/kubelet/stats/host-usage.js';
import { cpuSeconds } from './proc.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: '30' }, rounds: { type: 'string', default: '50' } } });
const PODS = Number(values.pods);
const ROUNDS = Number(values.rounds);
const INTERVAL_S = 10;

async function startPods(rt: ContainerRuntime, logRoot: string): Promise<StatsTarget[]> {
  const targets: StatsTarget[] = [];
  for (let i = 0; i < PODS; i++) {
    const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const sandbox: PodSandboxConfig = { name: `p${i}`, namespace: 'bench', uid, attempt: 0, hostname: `p${i}`, labels: {}, annotations: {}, hostNetwork: false, logDirectory: join(logRoot, `bench_p${i}_${uid}`), portMappings: [] };
    const sb = await rt.runPodSandbox(sandbox);
    const id = await rt.createContainer(sb, { name: 'main', attempt: 0, image: BUSYBOX_IMAGE, command: ['sleep', '3600'], args: [], envs: [], labels: {}, annotations: {}, mounts: [], logPath: 'main/0.log', resources: { cpuShares: 102 } }, sandbox);
    await rt.startContainer(id);
    targets.push({ namespace: 'bench', name: `p${i}`, uid, containers: [{ name: 'main', id }] });
  }
  return targets;
}

async function measure(label: string, rt: ContainerRuntime, targets: StatsTarget[], runtimePid?: number) {
  const stats = rt.stats!;
  const collector = new StatsCollector({ nodeName: 'bench', stats, nodeUsage: stats.nodeStats ? () => stats.nodeStats!() : () => readHostUsage(), targets: () => targets, minWindowMs: 0, freshMs: 0 });
  for (let i = 0; i < 3; i++) await collector.summary();
  const cpu0 = process.cpuUsage();
  const rt0 = runtimePid ? cpuSeconds(runtimePid) : 0;
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const s = await collector.summary();
    bytes = JSON.stringify(s).length;
    if (s.pods.length !== targets.length) throw new Error(`${label}: ${s.pods.length} of ${targets.length} pods measured`);
  }
  const wallMs = (performance.now() - t0) / ROUNDS;
  const used = process.cpuUsage(cpu0);
  const kubeletMs = (used.user + used.system) / 1000 / ROUNDS;
  const runtimeMs = runtimePid ? ((cpuSeconds(runtimePid) - rt0) * 1000) / ROUNDS : 0;
  const pct = (msPerReading: number) => `${((msPerReading / (INTERVAL_S * 1000)) * 100).toFixed(3)} %`;
  console.log(
    `${label}: ${PODS} pods, ${ROUNDS} readings: ${wallMs.toFixed(2)} ms wall, kubelet ${kubeletMs.toFixed(2)} ms CPU` +
      (runtimePid ? `, containerd ${runtimeMs.toFixed(2)} ms CPU` : '') +
      ` per reading + summary (${bytes} bytes); every ${INTERVAL_S} s that is ${pct(kubeletMs)} of a core for the kubelet` +
      (runtimePid ? `, ${pct(runtimeMs)} for containerd` : ''),
  );
}

const sim = new SimRuntime();
await sim.updatePodCidr('10.42.0.0/24');
await measure('sim', sim, await startPods(sim, '/tmp/k3ts-bench-none'));
await sim.close();

const skip = containerdSkipReason();
if (skip) console.log(`containerd part skipped: ${skip}`);
else {
  const node = await startTestContainerd();
  const rt = new ContainerdRuntime({ socket: node.paths.socket, cniConfDir: node.paths.cniConfDir, cniIpamDir: node.paths.cniIpamDir, bridgeName: node.bridgeName, cniBinDir: '/usr/lib/cni', cgroupParent: node.cgroupParent });
  try {
    await rt.updatePodCidr(node.podCidr);
    const targets = await startPods(rt, node.paths.podLogs);
    await measure('containerd', rt, targets, node.supervisor.pid);
  } finally {
    await rt.close();
    await node.stop();
  }
}
