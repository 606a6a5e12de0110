// HPACK (RFC 7541) as an HTTP/2 client to etcd needs it. Decoding is complete (static and dynamic
// table, size updates, Huffman strings), since the peer chooses how to compress. Encoding uses literals
// that are never indexed: requests to etcd carry a handful of short headers, and a stateless encoder
// cannot fall out of step with the peer's table.
import { huffmanDecode } from './huffman.js';

export type HeaderList = Array<[name: string, value: string]>;

// RFC 7541, Appendix A (index 1..61).
const STATIC: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/** The table size this side allows the peer (HTTP/2's default; never announced otherwise). */
export const DECODER_TABLE_BYTES = 4096;
// Per entry, RFC 7541 4.1 counts 32 octets of overhead beside the name and value.
const ENTRY_OVERHEAD = 32;

export class HpackError extends Error {}

/** One connection's decoding state: blocks must be decoded in the order they arrived, every one. */
export class HpackDecoder {
  // Newest first, as HPACK indexes it.
  private dynamic: Array<[string, string]> = [];
  private size = 0;
  private maxSize = DECODER_TABLE_BYTES;

  decode(block: Uint8Array): HeaderList {
    const out: HeaderList = [];
    const r = { pos: 0 };
    let fieldSeen = false;
    while (r.pos < block.length) {
      const b = block[r.pos]!;
      if (b & 0x80) {
        out.push(this.entry(readInt(block, r, 7)));
        fieldSeen = true;
      } else if (b & 0x40) {
        const field = this.literal(block, r, 6);
        this.add(field);
        out.push(field);
        fieldSeen = true;
      } else if (b & 0x20) {
        // Allowed only before the block's first field (RFC 7541 4.2).
        if (fieldSeen) throw new HpackError('HPACK: table size update after a header field');
        const size = readInt(block, r, 5);
        if (size > DECODER_TABLE_BYTES) throw new HpackError(`HPACK: table size ${size} over the ${DECODER_TABLE_BYTES} allowed`);
        this.maxSize = size;
        this.evict(0);
      } else {
        // Literal not indexed (0000) or never indexed (0001): the same to a decoder.
        out.push(this.literal(block, r, 4));
        fieldSeen = true;
      }
    }
    return out;
  }

  private entry(index: number): [string, string] {
    if (index === 0) throw new HpackError('HPACK: index 0');
    if (index <= STATIC.length) {
      const [name, value] = STATIC[index - 1]!;
      return [name, value];
    }
    const e = this.dynamic[index - STATIC.length - 1];
    if (!e) throw new HpackError(`HPACK: index ${index} past the table`);
    return [e[0], e[1]];
  }

  private literal(block: Uint8Array, r: { pos: number }, prefix: number): [string, string] {
    const index = readInt(block, r, prefix);
    const name = index === 0 ? readString(block, r) : this.entry(index)[0];
    return [name, readString(block, r)];
  }

  private add(field: [string, string]): void {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
    // An entry larger than the table empties it and is not added (RFC 7541 4.4).
    this.evict(size);
    if (size <= this.maxSize) {
      this.dynamic.unshift([field[0], field[1]]);
      this.size += size;
    }
  }

  /** Drops the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.dynamic.length && this.size + room > this.maxSize) {
      const [n, v] = this.dynamic.pop()!;
      this.size -= n.length + v.length + ENTRY_OVERHEAD;
    }
  }
}

function readInt(block: Uint8Array, r: { pos: number }, prefix: number): number {
  const max = (1 << prefix) - 1;
  let value = block[r.pos++]! & max;
  if (value < max) return value;
  let shift = 0;
  for (;;) {
    if (r.pos >= block.length) throw new HpackError('HPACK: truncated integer');
    const b = block[r.pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return value;
    if (shift > 28) throw new HpackError('HPACK: integer too large');
  }
}

function readString(block: Uint8Array, r: { pos: number }): string {
  if (r.pos >= block.length) throw new HpackError('HPACK: truncated string');
  const huffman = (block[r.pos]! & 0x80) !== 0;
  const length = readInt(block, r, 7);
  if (r.pos + length > block.length) throw new HpackError('HPACK: truncated string');
  const bytes = block.subarray(r.pos, r.pos + length);
  r.pos += length;
  try {
    return huffman ? huffmanDecode(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  } catch (err) {
    throw new HpackError((err as Error).message);
  }
}

// Static-table names a request uses, by index, for "literal with indexed name".
const NAME_INDEX = new Map<string, number>();
for (let i = STATIC.length - 1; i >= 0; i--) NAME_INDEX.set(STATIC[i]![0], i + 1);

/** A header block of literals never added to any table (lowercase names, latin1 values). */
export function encodeHeaders(fields: HeaderList): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const index = NAME_INDEX.get(name) ?? 0;
    writeInt(out, 0x00, 4, index);
    if (index === 0) writeString(out, name);
    writeString(out, value);
  }
  return Buffer.from(out);
}

function writeInt(out: number[], flags: number, prefix: number, value: number): void {
  const max = (1 << prefix) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function writeString(out: number[], text: string): void {
  writeInt(out, 0x00, 7, text.length);
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 0xff);
}

/** For tests playing a peer: an integer with its flag bits, as HPACK writes them. */
export function encodeInt(flags: number, prefix: number, value: number): Buffer {
  const out: number[] = [];
  writeInt(out, flags, prefix, value);
  return Buffer.from(out);
}
