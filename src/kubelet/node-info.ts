// What the node reports about the machine: identity (machine ID, boot ID, system UUID), OS and
// kernel, and capacity. Host files are read once per process: a hundred simulated kubelets share them.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface HostInfo {
  machineID: string;
  bootID: string;
  /** From the DMI tables when readable; empty otherwise (each node then derives its own). */
  productUUID: string;
  kernelVersion: string;
  osImage: string;
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

let host: HostInfo | undefined;

export function hostInfo(): HostInfo {
  if (host) return host;
  const osRelease = readText('/etc/os-release') ?? '';
  const pretty = /^PRETTY_NAME=("?)(.*)\1$/m.exec(osRelease)?.[2];
  host = {
    // Without /etc/machine-id, one made up for this process: stable for its life, which is what
    // the node status needs.
    machineID: readText('/etc/machine-id') || randomUUID().replace(/-/g, ''),
    bootID: readText('/proc/sys/kernel/random/boot_id') || randomUUID(),
    productUUID: readText('/sys/class/dmi/id/product_uuid') ?? '',
    kernelVersion: release(),
    osImage: pretty || 'Linux',
  };
  return host;
}

/** A UUID of its own for each node name, so simulated nodes sharing one machine stay distinct. */
export function systemUUID(info: HostInfo, nodeName: string): string {
  if (info.productUUID) return info.productUUID.toLowerCase();
  const h = createHash('sha256').update(`${info.machineID}/${nodeName}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const goArch = (arch: string = process.arch): string => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' })[arch] ?? arch;

export type ResourceList = Record<string, string>;

export interface NodeResources {
  capacity: ResourceList;
  allocatable: ResourceList;
}

/** Capacity keys the caller may override (the scale bench pretends every node is big). */
export type CapacityOverrides = Partial<Record<'cpu' | 'memory' | 'pods' | 'ephemeral-storage', string>>;

// The kubelet's default hard eviction thresholds, which allocatable leaves out.
const memoryEvictionBytes = 100 * 2 ** 20;
const nodefsEvictionShare = 0.1;

export async function nodeResources(dataDir: string | undefined, overrides: CapacityOverrides = {}): Promise<NodeResources> {
  const cpu = String(typeof availableParallelism === 'function' ? availableParallelism() : cpus().length);
  const memBytes = totalmem();
  let storageBytes = 0;
  if (dataDir) {
    try {
      const fs = await statfs(dataDir);
      storageBytes = Number(fs.blocks) * Number(fs.bsize);
    } catch {
      // no such directory yet: report none rather than fail registration
    }
  }
  const capacity: ResourceList = {
    cpu,
    'ephemeral-storage': `${Math.floor(storageBytes / 1024)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(memBytes / 1024)}Ki`,
    pods: '110',
  };
  const allocatable: ResourceList = {
    ...capacity,
    'ephemeral-storage': String(Math.floor(storageBytes * (1 - nodefsEvictionShare))),
    memory: `${Math.floor(Math.max(0, memBytes - memoryEvictionBytes) / 1024)}Ki`,
  };
  // An override is taken as is, for both: nothing is reserved out of a pretend capacity.
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    capacity[k] = v;
    allocatable[k] = v;
  }
  return { capacity, allocatable };
}
