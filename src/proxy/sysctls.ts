// Kernel settings the proxy's rules depend on; set in the namespace `run` runs in.
import type { RunCommand } from '../network/host-command.js';

interface Sysctl {
  key: string;
  why: string;
  /** False when the proxy still works for most traffic without it: warn instead of failing. */
  required: boolean;
}

const SYSCTLS: readonly Sysctl[] = [
  { key: 'net.ipv4.ip_forward', why: 'traffic DNATed to a pod is routed, not delivered locally', required: true },
  { key: 'net.ipv4.conf.all.route_localnet', why: '127.0.0.1:<nodePort> is DNATed to a pod address', required: true },
  {
    key: 'net.bridge.bridge-nf-call-iptables',
    why: 'a pod reaching a service backed by a pod on the same bridge gets its reply un-NATed only if bridged traffic passes iptables (br_netfilter)',
    required: false,
  },
];

export async function ensureSysctls(run: RunCommand, log: (msg: string, fields?: Record<string, unknown>) => void): Promise<void> {
  const results = await Promise.all(SYSCTLS.map((s) => run('sysctl', ['-w', `${s.key}=1`])));
  for (const [i, s] of SYSCTLS.entries()) {
    const r = results[i]!;
    if (r.code === 0) continue;
    const detail = (r.stderr || r.stdout).trim();
    if (s.required) throw new Error(`service proxy: cannot set ${s.key}=1 (${s.why}): ${detail}`);
    log('service proxy: could not set sysctl; continuing', { key: s.key, why: s.why, error: detail });
  }
}
