// Pod addresses from the node's podCIDR, as the host-local IPAM plugin hands them out: the network
// address and broadcast are never used, .1 is the bridge's gateway, and pods take the next free
// address after the last one given, so a just-released address is not reused at once.

import { intToIp as toIp, ipToInt } from '../../network/ipv4.js';

const toInt = (ip: string): number => ipToInt(ip) ?? 0;

export class PodIPAllocator {
  private base = 0;
  private size = 0;
  private used = new Set<number>();
  private last = 0;

  /** The podCIDR this allocator serves; undefined until the node has one. */
  cidr: string | undefined;

  /** Takes the node's podCIDR (IPv4); addresses already given stay reserved. */
  setCidr(cidr: string | undefined): void {
    if (!cidr || cidr === this.cidr) return;
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
    if (!m || Number(m[2]) > 30) return; // IPv6 and tiny ranges: not served (yet)
    const bits = Number(m[2]);
    this.size = 2 ** (32 - bits);
    this.base = toInt(m[1]!) - (toInt(m[1]!) % this.size);
    this.cidr = cidr;
    this.last = this.base + 1;
  }

  get ready(): boolean {
    return this.cidr !== undefined;
  }

  gateway(): string | undefined {
    return this.cidr ? toIp(this.base + 1) : undefined;
  }

  /** Keeps `ip` for a pod that already had it (after an agent restart); false when it is taken or foreign. */
  reserve(ip: string): boolean {
    if (!this.cidr || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
    const n = toInt(ip);
    if (n <= this.base + 1 || n >= this.base + this.size - 1 || this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** The next free address, or undefined when the range is exhausted or not yet known. */
  allocate(): string | undefined {
    if (!this.cidr) return undefined;
    const first = this.base + 2;
    const count = this.size - 3;
    for (let i = 1; i <= count; i++) {
      const n = first + ((this.last - first + i + count) % count);
      if (!this.used.has(n)) {
        this.used.add(n);
        this.last = n;
        return toIp(n);
      }
    }
    return undefined;
  }

  release(ip: string | undefined): void {
    if (ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip)) this.used.delete(toInt(ip));
  }

  contains(ip: string): boolean {
    if (!this.cidr || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
    const n = toInt(ip);
    return n >= this.base && n < this.base + this.size;
  }
}
