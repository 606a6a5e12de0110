// Nodes in network namespaces for the overlay's tests and bench: a "lan" namespace whose bridge joins
// N node namespaces (192.168.250.1N/24 on eth0), each node with a cni0 bridge holding its podCIDR's
// .1 (10.42.N.0/24) and pod namespaces attached to it. Everything is named k3ts-tov-<id>-*, is
// created and removed only through `ip netns`/`ip -n`, and is removed at exit even after a failure;
// the host namespace's links, routes and firewall are never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mustRun, runCommand, runInNetns, type RunCommand } from '../host-command.js';

export interface LabPod {
  ns: string;
  ip: string;
}

export interface LabNode {
  name: string;
  ns: string;
  ip: string;
  podCidr: string;
  pods: LabPod[];
  run: RunCommand;
}

export interface Lab {
  nodes: LabNode[];
  clusterCidr: string;
  /** Starts `node -e script` inside `ns`; killed by its PID in `destroy`. */
  spawnIn(ns: string, script: string, args?: string[]): ChildProcess;
  destroy(): Promise<void>;
}

/** Why the overlay's namespace tests cannot run, or undefined. Never a reason in CI (.ci/run sets CI). */
export function netnsSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, VXLAN devices, iptables)';
  for (const bin of ['ip', 'bridge', 'iptables', 'iptables-restore', 'iptables-save', 'nsenter']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (apt-get install iproute2 iptables util-linux)`;
  }
  return undefined;
}

const live = new Set<() => void>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const scrubAll = () => {
    for (const scrub of live) scrub();
  };
  process.once('exit', scrubAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      scrubAll();
      process.exit(130);
    });
  }
}

export async function createLab(o: { nodes: number; podsPerNode?: number; podMtu?: number }): Promise<Lab> {
  const id = randomBytes(3).toString('hex');
  const lan = `k3ts-tov-${id}-lan`;
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();
  const scrub = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  };
  live.add(scrub);
  hookExit();

  const addNs = async (ns: string) => {
    await mustRun(runCommand, 'ip', ['netns', 'add', ns]);
    namespaces.push(ns);
    await mustRun(runCommand, 'ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  };
  const ip = (ns: string, ...args: string[]) => mustRun(runCommand, 'ip', ['-n', ns, ...args]);

  try {
    await addNs(lan);
    await ip(lan, 'link', 'add', 'br0', 'type', 'bridge');
    await ip(lan, 'link', 'set', 'br0', 'up');
    const nodes: LabNode[] = [];
    for (let n = 1; n <= o.nodes; n++) {
      const ns = `k3ts-tov-${id}-n${n}`;
      await addNs(ns);
      const nodeIP = `192.168.250.${10 + n}`;
      await ip(lan, 'link', 'add', `v${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip(lan, 'link', 'set', `v${n}`, 'master', 'br0', 'up');
      await ip(ns, 'addr', 'add', `${nodeIP}/24`, 'dev', 'eth0');
      await ip(ns, 'link', 'set', 'eth0', 'up');
      // What the CNI bridge plugin makes on a real node.
      await ip(ns, 'link', 'add', 'cni0', 'type', 'bridge');
      await ip(ns, 'addr', 'add', `10.42.${n}.1/24`, 'dev', 'cni0');
      await ip(ns, 'link', 'set', 'cni0', 'up');
      const pods: LabPod[] = [];
      for (let k = 0; k < (o.podsPerNode ?? 1); k++) {
        const podNs = `k3ts-tov-${id}-p${n}${String.fromCharCode(97 + k)}`;
        await addNs(podNs);
        const podIP = `10.42.${n}.${10 + k}`;
        await ip(ns, 'link', 'add', `vp${k}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', podNs);
        await ip(ns, 'link', 'set', `vp${k}`, 'master', 'cni0', 'up');
        await ip(podNs, 'addr', 'add', `${podIP}/24`, 'dev', 'eth0');
        if (o.podMtu) await ip(podNs, 'link', 'set', 'eth0', 'mtu', String(o.podMtu));
        await ip(podNs, 'link', 'set', 'eth0', 'up');
        await ip(podNs, 'route', 'add', 'default', 'via', `10.42.${n}.1`);
        pods.push({ ns: podNs, ip: podIP });
      }
      nodes.push({ name: `node-${n}`, ns, ip: nodeIP, podCidr: `10.42.${n}.0/24`, pods, run: runInNetns(ns) });
    }
    return {
      nodes,
      clusterCidr: '10.42.0.0/16',
      spawnIn(ns, script, args = []) {
        const child = spawn('nsenter', [`--net=/var/run/netns/${ns}`, process.execPath, '--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.add(child);
        child.once('exit', () => children.delete(child));
        return child;
      },
      async destroy() {
        const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
        for (const c of running) c.kill('SIGKILL');
        await Promise.all(running.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));
        scrub();
        live.delete(scrub);
      },
    };
  } catch (err) {
    scrub();
    live.delete(scrub);
    throw err;
  }
}
