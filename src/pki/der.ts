// Just enough DER reading for PKCS#10 requests: node:crypto verifies signatures synchronously but
// cannot parse a CSR, and @peculiar/x509 is slow to load and asynchronous, which validation is not.

export interface DerNode {
  tag: number;
  /** Offset of the tag byte: `bytes.subarray(start, end)` is the whole encoding. */
  start: number;
  /** Offset of the contents. */
  contentStart: number;
  end: number;
}

export class DerError extends Error {}

export function readNode(bytes: Uint8Array, offset: number, limit = bytes.length): DerNode {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  let pos = offset + 1;
  let length = bytes[pos++]!;
  if (length & 0x80) {
    const count = length & 0x7f;
    // DER never uses the indefinite form; four length bytes are far beyond any CSR.
    if (count === 0 || count > 4 || pos + count > limit) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++]!;
  }
  if (pos + length > limit) throw new DerError('truncated');
  return { tag, start: offset, contentStart: pos, end: pos + length };
}

/** The elements inside a constructed node (SEQUENCE, SET, an explicit tag). */
export function childrenOf(bytes: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let pos = node.contentStart; pos < node.end; ) {
    const child = readNode(bytes, pos, node.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export const contentOf = (bytes: Uint8Array, node: DerNode): Uint8Array => bytes.subarray(node.contentStart, node.end);

export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DerError('empty object identifier');
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    value = value * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

export const TAG = { INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, OID: 0x06, SEQUENCE: 0x30, SET: 0x31 } as const;
