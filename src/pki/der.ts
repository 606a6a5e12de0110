// Just enough DER (X.690) to write and read the certificates this cluster issues.
// Node can sign and verify but cannot build a certificate, and @peculiar/x509 costs
// ~150 ms to import, which alone would exceed the start-up budget of the PKI.

export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(Tag.sequence, ...items);
export const set = (...items: Buffer[]): Buffer => tlv(Tag.set, ...items);
export const octetString = (bytes: Buffer): Buffer => tlv(Tag.octetString, bytes);
export const utf8String = (text: string): Buffer => tlv(Tag.utf8String, Buffer.from(text, 'utf8'));
export const booleanTrue = (): Buffer => tlv(Tag.boolean, Buffer.from([0xff]));
/** Context-specific constructed tag, used for EXPLICIT [n]. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** Context-specific primitive tag, used for IMPLICIT [n] of a primitive type. */
export const implicit = (n: number, bytes: Buffer): Buffer => tlv(0x80 | n, bytes);

/** A non-negative integer given as big-endian bytes; DER wants the minimal two's-complement form. */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(Tag.integer, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const smallInteger = (n: number): Buffer => unsignedInteger(Buffer.from([n]));

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    out.push(...chunk);
  }
  return tlv(Tag.oid, Buffer.from(out));
}

/** BIT STRING whose content is whole bytes (keys, signatures). */
export const bitStringOfBytes = (bytes: Buffer): Buffer => tlv(Tag.bitString, Buffer.from([0]), bytes);

/** BIT STRING of named bits (bit 0 = most significant bit of the first byte), trailing zeros dropped as DER requires. */
export function namedBits(bits: number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> bit % 8;
  const unused = 7 - (highest % 8);
  return tlv(Tag.bitString, Buffer.from([unused]), bytes);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '') + 'Z';
  return date.getUTCFullYear() < 2050
    ? tlv(Tag.utcTime, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(Tag.generalizedTime, Buffer.from(digits, 'ascii'));
}

// ---- reading ----

export interface DerNode {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  /** The content octets. */
  value: Buffer;
}

export function readNode(buf: Buffer, offset = 0): DerNode {
  const tag = buf[offset];
  let lengthByte = buf[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('DER: truncated element');
  let length = lengthByte;
  let header = 2;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error('DER: element overruns its buffer');
  return { tag, raw: buf.subarray(offset, end), value: buf.subarray(offset + header, end) };
}

export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.value.length; ) {
    const child = readNode(node.value, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

export function readOid(node: DerNode): string {
  const bytes = node.value;
  const arcs = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let n = 0;
  for (const b of bytes.subarray(1)) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(n);
      n = 0;
    }
  }
  return arcs.join('.');
}

export function readTime(node: DerNode): Date {
  const text = node.value.toString('ascii');
  const full = node.tag === Tag.utcTime ? (Number(text.slice(0, 2)) >= 50 ? '19' : '20') + text : text;
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i, k) => Number(full.slice(i, k === 0 ? 4 : i + 2)));
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

export function pemToDer(pem: string, label = 'CERTIFICATE'): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`no ${label} PEM block found`);
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
