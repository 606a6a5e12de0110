// A small node built from network namespaces for the proxy's root test and benchmark: a node with
// a pod bridge and an uplink, pods on the bridge each serving HTTP with its own name, and a client
// behind the uplink. Everything it makes carries a `k3ts-tpx-` name and goes in `teardown()`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mustRun, runCommand, runInNetns, type RunCommand } from '../network/host-command.js';

export function netnsSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (process.getuid?.() !== 0) return 'needs root (creates network namespaces, bridges and iptables rules in them)';
  for (const bin of ['ip', 'iptables', 'iptables-restore', 'iptables-save']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (apt-get install iproute2 iptables)`;
  }
  return undefined;
}

export const POD_CIDR = '10.244.1.0/24';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const BRIDGE_IP = '10.244.1.1';
export const NODE_IP = '192.168.230.2';
export const CLIENT_IP = '192.168.230.1';
export const SERVICE_CIDR = '10.96.0.0/12';
export const POD_PORT = 8080;

export interface Pod {
  name: string;
  ns: string;
  ip: string;
}

export interface NetnsWorld {
  node: string;
  client: string;
  pods: Pod[];
  /** Commands inside namespace `ns`. */
  run(ns: string): RunCommand;
  /** `n` HTTP GETs from `ns`, one new connection each, in order: the body, or `ERR <code> <ms>`. */
  get(ns: string, url: string, n: number, timeoutMs?: number): Promise<string[]>;
  /** One UDP datagram from `ns` and a fixed source port (so it is the same conntrack flow each time): the answer, or `ERR TIMEOUT`. */
  udp(ns: string, host: string, port: number, srcPort: number, timeoutMs?: number): Promise<string>;
  teardown(): Promise<void>;
}

export const POD_UDP_PORT = 5353;

// Answers are "<pod> <peer address>", so a test sees both who answered and whom it saw. The server
// exits when its stdin closes, so even a test process killed outright leaves no server behind.
const SERVER = `const name = process.env.POD;
const udp = require('dgram').createSocket('udp4');
udp.on('message', (m, peer) => udp.send(name + ' ' + peer.address, peer.port, peer.address));
udp.bind(${POD_UDP_PORT}, '0.0.0.0', () =>
  require('http').createServer((q, s) => s.end(name + ' ' + q.socket.remoteAddress))
    .listen(${POD_PORT}, '0.0.0.0', () => console.log('ready')));
process.stdin.on('end', () => process.exit(0)).resume();`;

const UDP_CLIENT = `const [host, port, srcPort, timeout] = process.argv.slice(1);
const s = require('dgram').createSocket('udp4');
const timer = setTimeout(() => { console.log(JSON.stringify('ERR TIMEOUT')); process.exit(0); }, Number(timeout));
s.on('message', (m) => { clearTimeout(timer); console.log(JSON.stringify(m.toString())); s.close(); });
s.bind(Number(srcPort), () => s.send('hi', Number(port), host));`;

const CLIENT = `const http = require('http');
const [url, n, timeout] = process.argv.slice(1);
(async () => {
  const out = [];
  for (let i = 0; i < Number(n); i++) {
    const t0 = Date.now();
    out.push(await new Promise((resolve) => {
      const req = http.get(url, { agent: false, timeout: Number(timeout) }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e) => resolve('ERR ' + (e.code || e.message) + ' ' + (Date.now() - t0)));
    }));
  }
  console.log(JSON.stringify(out));
})();`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Namespaces of earlier runs whose process was killed before its teardown (names carry the creator's PID). */
async function removeOrphans(): Promise<void> {
  const list = await runCommand('ip', ['netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const m = /^(k3ts-tpx-(\d+)-[0-9a-f]+-\S+)/.exec(line);
    if (m && Number(m[2]) !== process.pid && !alive(Number(m[2]))) await runCommand('ip', ['netns', 'del', m[1]!]);
  }
}

export async function createNetnsWorld(o: { pods?: number } = {}): Promise<NetnsWorld> {
  await removeOrphans();
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const node = `k3ts-tpx-${id}-node`;
  const client = `k3ts-tpx-${id}-client`;
  const pods: Pod[] = Array.from({ length: o.pods ?? 3 }, (_, i) => ({ name: `pod-${i}`, ns: `k3ts-tpx-${id}-p${i}`, ip: `10.244.1.${10 + i}` }));
  const created: string[] = [];
  const servers: ChildProcess[] = [];
  const ip = (args: string[]) => mustRun(runCommand, 'ip', args);

  const teardown = async () => {
    for (const s of servers) {
      if (s.exitCode === null && s.signalCode === null) {
        const exited = new Promise((r) => s.once('exit', r));
        s.kill('SIGKILL');
        await exited;
      }
    }
    for (const ns of created.reverse()) await runCommand('ip', ['netns', 'del', ns]);
  };

  try {
    for (const ns of [node, client, ...pods.map((p) => p.ns)]) {
      await ip(['netns', 'add', ns]);
      created.push(ns);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Links are made inside the node namespace, so the host's namespace never sees a name of ours.
    await ip(['-n', node, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', node, 'addr', 'add', `${BRIDGE_IP}/24`, 'dev', 'br0']);
    await ip(['-n', node, 'link', 'set', 'br0', 'up']);
    await ip(['-n', node, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client]);
    await ip(['-n', node, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0']);
    await ip(['-n', node, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', node, 'route', 'add', 'default', 'via', CLIENT_IP]);
    await ip(['-n', client, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0']);
    await ip(['-n', client, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', client, 'route', 'add', SERVICE_CIDR, 'via', NODE_IP]);
    // So a benchmark can compare the proxy with going to a pod directly over the same hop.
    await ip(['-n', client, 'route', 'add', POD_CIDR, 'via', NODE_IP]);
    for (const [i, p] of pods.entries()) {
      await ip(['-n', node, 'link', 'add', `vp${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.ns]);
      await ip(['-n', node, 'link', 'set', `vp${i}`, 'master', 'br0']);
      // As the CNI bridge plugin's hairpinMode does: a pod reaching itself through a service.
      await ip(['-n', node, 'link', 'set', `vp${i}`, 'type', 'bridge_slave', 'hairpin', 'on']);
      await ip(['-n', node, 'link', 'set', `vp${i}`, 'up']);
      await ip(['-n', p.ns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0']);
      await ip(['-n', p.ns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', p.ns, 'route', 'add', 'default', 'via', BRIDGE_IP]);
    }
    for (const p of pods) {
      const child = spawn('ip', ['netns', 'exec', p.ns, process.execPath, '-e', SERVER], { env: { ...process.env, POD: p.name }, stdio: ['pipe', 'pipe', 'inherit'] });
      servers.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`HTTP server in ${p.ns} exited (${code})`)));
      });
    }
  } catch (err) {
    await teardown();
    throw err;
  }

  const get = async (ns: string, url: string, n: number, timeoutMs = 2000): Promise<string[]> => {
    const out = await mustRun(runCommand, 'ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT, url, String(n), String(timeoutMs)]);
    return JSON.parse(out) as string[];
  };
  const udp = async (ns: string, host: string, port: number, srcPort: number, timeoutMs = 1000): Promise<string> => {
    const out = await mustRun(runCommand, 'ip', ['netns', 'exec', ns, process.execPath, '-e', UDP_CLIENT, host, String(port), String(srcPort), String(timeoutMs)]);
    return JSON.parse(out) as string;
  };
  return { node, client, pods, run: (ns) => runInNetns(ns), get, udp, teardown };
}
