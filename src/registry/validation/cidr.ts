// CIDR text of either family as a bigint range, for checks that must accept IPv6 too (an IPBlock's
// `except` inside its `cidr`). The IPv4-only arithmetic of the node lives in network/ipv4.ts.
import { isIP } from 'node:net';

export interface CidrRange {
  family: 4 | 6;
  /** The network address, host bits cleared. */
  base: bigint;
  bits: number;
}

function ipv6ToBigInt(ip: string): bigint | undefined {
  let text = ip;
  // An embedded dotted quad (::ffff:1.2.3.4) counts as the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const quad = dotted[1]!.split('.').map(Number);
    text = text.slice(0, -dotted[1]!.length) + `${((quad[0]! << 8) | quad[1]!).toString(16)}:${((quad[2]! << 8) | quad[3]!).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  return n;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

/** The range a CIDR names, like Go's net.ParseCIDR (host bits may be set); undefined when invalid. */
export function parseCidrRange(cidr: string): CidrRange | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const ip = cidr.slice(0, slash);
  const bitsText = cidr.slice(slash + 1);
  const family = isIP(ip);
  if ((family !== 4 && family !== 6) || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const width = family === 4 ? 32 : 128;
  const bits = Number(bitsText);
  if (bits > width) return undefined;
  const n = family === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip);
  if (n === undefined) return undefined;
  const hostBits = BigInt(width - bits);
  return { family, base: (n >> hostBits) << hostBits, bits };
}

/** Whether `inner` lies inside `outer` and is smaller than it. */
export function isStrictSubset(inner: CidrRange, outer: CidrRange): boolean {
  if (inner.family !== outer.family || inner.bits <= outer.bits) return false;
  const width = outer.family === 4 ? 32 : 128;
  const shift = BigInt(width - outer.bits);
  return inner.base >> shift === outer.base >> shift;
}
