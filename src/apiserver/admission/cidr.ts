// IPv4 ranges as integers: enough for the service range's allocator.
export interface Ipv4Range {
  base: number;
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

export function parseCidr(cidr: string): Ipv4Range {
  const [ip, bitsText] = cidr.split('/');
  const start = ipToInt(ip);
  const bits = Number(bitsText);
  if (start === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)} (expected e.g. 10.43.0.0/16)`);
  const size = 2 ** (32 - bits);
  return { base: start - (start % size), size, text: cidr };
}

export function inRange(r: Ipv4Range, ip: number): boolean {
  return ip > r.base && ip < r.base + r.size - 1;
}
