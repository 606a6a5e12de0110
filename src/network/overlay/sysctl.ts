// Forwarding between the pods' bridge, the VXLAN device and the underlay. Written through `run`, so
// it lands in the network namespace the overlay manages (net.* sysctls are per namespace).
import { mustRun, type RunCommand } from '../host-command.js';

export const OVERLAY_SYSCTLS: Record<string, string> = { 'net.ipv4.ip_forward': '1' };

export async function ensureSysctls(run: RunCommand): Promise<void> {
  for (const [key, value] of Object.entries(OVERLAY_SYSCTLS)) {
    if ((await mustRun(run, 'sysctl', ['-n', key])).trim() !== value) await mustRun(run, 'sysctl', ['-w', `${key}=${value}`]);
  }
}
