// Forwarding between the pods' bridge, the VXLAN device and the underlay. Written through `run`, so
// it lands in the network namespace the overlay manages (/proc/sys/net shows the namespace of the
// process reading it). Through /proc rather than sysctl(8): procps is not on every node.
import { mustRun, type RunCommand } from '../host-command.js';

export const OVERLAY_SYSCTLS: Record<string, string> = { 'net/ipv4/ip_forward': '1' };

export async function ensureSysctls(run: RunCommand): Promise<void> {
  for (const [key, value] of Object.entries(OVERLAY_SYSCTLS)) {
    const path = `/proc/sys/${key}`;
    if ((await mustRun(run, 'cat', [path])).trim() !== value) await mustRun(run, 'sh', ['-c', `echo ${value} > ${path}`]);
  }
}
