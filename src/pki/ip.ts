import { isIP } from 'node:net';

// IP SANs are compared by value: "::1", "0:0::1" and "[::1]" are one address.

/** Strips brackets and an IPv6 zone; returns undefined when the text is not an IP address. */
function bare(text: string): string | undefined {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  t = t.replace(/%.*$/, '');
  return isIP(t) ? t : undefined;
}

export function isIpAddress(text: string): boolean {
  return bare(text) !== undefined;
}

/** RFC 5952 text for IPv6 (the WHATWG URL serializer writes exactly that), dotted quad for IPv4. */
export function canonicalIp(text: string): string {
  const ip = bare(text);
  if (ip === undefined) throw new Error(`not an IP address: ${text}`);
  // isIP already refuses IPv4 with leading zeros or fewer than four parts, so the text is canonical.
  if (isIP(ip) === 4) return ip;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}
