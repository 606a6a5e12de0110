// An ipBlock is a CIDR with holes (`except`). iptables matches one range per rule and the chains here
// never accept, only return or drop, so a hole is expressed by listing what is left: the CIDR split
// into the largest ranges that avoid every hole.
import { cidrsOverlap, intToIp, tryParseCidr, type Ipv4Cidr } from '../ipv4.js';

const text = (base: number, bits: number) => `${intToIp(base)}/${bits}`;

function subtract(range: Ipv4Cidr, hole: Ipv4Cidr): Ipv4Cidr[] {
  if (!cidrsOverlap(range, hole)) return [range];
  if (hole.bits <= range.bits) return [];
  // The hole is strictly inside: keep the half without it whole and split the other half further.
  const bits = range.bits + 1;
  const size = range.size / 2;
  const halves = [range.base, range.base + size].map((base) => ({ base, bits, size, text: text(base, bits) }));
  return halves.flatMap((half) => subtract(half, hole));
}

/**
 * The IPv4 ranges of `cidr` outside every `except`, as CIDR text. IPv6 or malformed input gives []
 * (the API refuses malformed blocks; this node filters IPv4 only).
 */
export function ipBlockRanges(cidr: string, except: readonly string[] = []): string[] {
  const whole = tryParseCidr(cidr);
  if (!whole) return [];
  let left = [whole];
  for (const e of except) {
    const hole = tryParseCidr(e);
    if (hole) left = left.flatMap((r) => subtract(r, hole));
  }
  return left.sort((a, b) => a.base - b.base).map((r) => r.text);
}
