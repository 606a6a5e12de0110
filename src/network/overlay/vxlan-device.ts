// flannel.1: created to flannel's recipe (VNI 1, UDP 8472, no learning: the fdb is ours to fill)
// and recreated when an existing one was made with other parameters, e.g. for an older node IP.
import { mustRun, type RunCommand } from '../host-command.js';
import { VXLAN_VNI } from './annotations.js';

export const VXLAN_DEVICE = 'flannel.1';
/** Linux's VXLAN port is 4789; flannel (and so k3s) uses the pre-IANA 8472. */
export const VXLAN_PORT = 8472;

export interface VxlanSpec {
  nodeIP: string;
  iface: string;
  mtu: number;
  /** This node's `.0`, held as a /32 so the kernel sources overlay traffic from it. */
  address: string;
  /** A MAC published earlier: reusing it keeps the peers' fdb entries valid across restarts. */
  mac?: string;
}

interface RawLink {
  address?: string;
  mtu?: number;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; link?: string; port?: number; learning?: boolean } };
}

/** Pure: whether a device as `ip -j -d link` shows it can be kept. */
export function deviceMatches(link: RawLink, spec: VxlanSpec): boolean {
  const d = link.linkinfo?.info_data;
  return link.linkinfo?.info_kind === 'vxlan' && d?.id === VXLAN_VNI && d.local === spec.nodeIP && d.link === spec.iface && d.port === VXLAN_PORT && d.learning === false;
}

async function readDevice(run: RunCommand): Promise<RawLink | undefined> {
  const r = await run('ip', ['-j', '-d', 'link', 'show', VXLAN_DEVICE]);
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as RawLink[])[0];
}

/** Makes flannel.1 as `spec` says; returns its MAC (to publish). */
export async function ensureVxlanDevice(run: RunCommand, spec: VxlanSpec): Promise<string> {
  let link = await readDevice(run);
  if (link && !deviceMatches(link, spec)) {
    await mustRun(run, 'ip', ['link', 'del', VXLAN_DEVICE]);
    link = undefined;
  }
  if (!link) {
    await mustRun(run, 'ip', [
      'link', 'add', VXLAN_DEVICE, ...(spec.mac ? ['address', spec.mac] : []),
      'type', 'vxlan', 'id', String(VXLAN_VNI), 'local', spec.nodeIP, 'dev', spec.iface, 'dstport', String(VXLAN_PORT), 'nolearning',
    ]);
    link = await readDevice(run);
  }
  if (link?.mtu !== spec.mtu) await mustRun(run, 'ip', ['link', 'set', VXLAN_DEVICE, 'mtu', String(spec.mtu)]);
  // Addresses other than ours (a previous podCIDR) would make the kernel pick the wrong source.
  const addrs = JSON.parse(await mustRun(run, 'ip', ['-j', '-4', 'addr', 'show', 'dev', VXLAN_DEVICE])) as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>;
  const held = addrs.flatMap((a) => a.addr_info ?? []);
  for (const a of held) if (a.local !== spec.address || a.prefixlen !== 32) await mustRun(run, 'ip', ['addr', 'del', `${a.local}/${a.prefixlen}`, 'dev', VXLAN_DEVICE]);
  if (!held.some((a) => a.local === spec.address && a.prefixlen === 32)) await mustRun(run, 'ip', ['addr', 'add', `${spec.address}/32`, 'dev', VXLAN_DEVICE]);
  if (!link?.flags?.includes('UP')) await mustRun(run, 'ip', ['link', 'set', VXLAN_DEVICE, 'up']);
  const mac = (await readDevice(run))?.address;
  if (!mac) throw new Error(`${VXLAN_DEVICE} has no MAC address after it was set up`);
  return mac.toLowerCase();
}

/** The device's routes, neighbours and fdb entries go with it. */
export async function removeVxlanDevice(run: RunCommand): Promise<void> {
  if (await readDevice(run)) await mustRun(run, 'ip', ['link', 'del', VXLAN_DEVICE]);
}
