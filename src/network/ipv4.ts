// IPv4 addresses and ranges as integers: the one copy of this arithmetic for the service allocator,
// node IPAM, simulated pod addresses, the overlay's routes and the service proxy.

export interface Ipv4Cidr {
  /** The network address as an integer. */
  base: number;
  /** Prefix length. */
  bits: number;
  /** Number of addresses in the range. */
  size: number;
  text: string;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The range a CIDR names, its host bits cleared; undefined when it is not IPv4 CIDR text. */
export function tryParseCidr(cidr: string): Ipv4Cidr | undefined {
  const [ip, bitsText, extra] = cidr.split('/');
  const start = ipToInt(ip ?? '');
  if (start === undefined || extra !== undefined || !/^\d{1,2}$/.test(bitsText ?? '')) return undefined;
  const bits = Number(bitsText);
  if (bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const base = start - (start % size);
  return { base, bits, size, text: `${intToIp(base)}/${bits}` };
}

export function parseCidr(cidr: string): Ipv4Cidr {
  const r = tryParseCidr(cidr);
  if (!r) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)} (expected e.g. 10.42.0.0/16)`);
  return r;
}

export function cidrContains(r: Ipv4Cidr, ip: string | number): boolean {
  const n = typeof ip === 'number' ? ip : ipToInt(ip);
  return n !== undefined && n >= r.base && n < r.base + r.size;
}

/** The range's n-th address (0 is the network address): `.1` is a bridge's gateway, `.0` flannel's VTEP address. */
export function nthAddress(r: Ipv4Cidr, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= r.size) throw new Error(`address ${n} is outside ${r.text}`);
  return intToIp(r.base + n);
}

/** Whether two ranges share any address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}
