import { isIP } from 'node:net';

// IP SANs are compared as bytes: "::1", "0:0::1" and "[::1]" are one address.

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

export function ipToBytes(text: string): Buffer {
  const ip = bare(text);
  if (ip === undefined) throw new Error(`not an IP address: ${text}`);
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // An embedded dotted quad (::ffff:1.2.3.4) becomes its two hex groups.
  const body = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  let groups: string[];
  if (body.includes('::')) {
    const [head, rest] = body.split('::') as [string, string];
    const h = head ? head.split(':') : [];
    const r = rest ? rest.split(':') : [];
    groups = [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  } else {
    groups = body.split(':');
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** RFC 5952 text for IPv6, dotted quad for IPv4. */
export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) throw new Error(`IP address of ${bytes.length} bytes`);
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function canonicalIp(text: string): string {
  return bytesToIp(ipToBytes(text));
}
