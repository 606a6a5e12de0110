// SPDY/3 header blocks: a count of name/value pairs, each a 32-bit length and bytes (several values
// of one name joined by NUL), sent through one zlib stream per direction and connection that
// starts from the SPDY/3 dictionary and is sync-flushed after every block.
import { constants, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';

/** Names are lower case on the wire; a name may carry several values. */
export type SpdyHeaders = Record<string, string[]>;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, values] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let off = 0;
  const take = (): Buffer => {
    if (off + 4 > block.length) throw new Error('SPDY header block is truncated');
    const len = block.readUInt32BE(off);
    off += 4;
    if (off + len > block.length) throw new Error('SPDY header block is truncated');
    const b = block.subarray(off, off + len);
    off += len;
    return b;
  };
  if (block.length < 4) throw new Error('SPDY header block is truncated');
  const count = block.readUInt32BE(0);
  off = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString('utf8').toLowerCase();
    const values = take().toString('utf8').split('\0');
    headers[name] = [...(headers[name] ?? []), ...values];
  }
  return headers;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const byte of b) {
    a = (a + byte) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

const SYNC_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/**
 * Our direction of the zlib stream. Node's zlib cannot keep one deflate context across synchronous
 * calls, so blocks go out as deflate *stored* blocks: valid zlib that names the dictionary and is
 * flushed at every block, just not smaller. Header blocks here are a few dozen bytes, so
 * compressing them would save next to nothing.
 */
export class HeaderCompressor {
  private started = false;

  compress(headers: SpdyHeaders): Buffer {
    const plain = encodeHeaderBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window); FLG with FDICT, its check bits making CMF*256+FLG % 31 == 0.
      const cmf = 0x78;
      let flg = 0x20;
      flg += 31 - ((cmf * 256 + flg) % 31);
      parts.push(Buffer.from([cmf, flg]), u32(adler32(SPDY3_DICTIONARY)));
    }
    // A stored block holds at most 65535 bytes; the block is never empty (it starts with its count).
    for (let off = 0; off < plain.length; off += 0xffff) {
      const chunk = plain.subarray(off, off + 0xffff);
      const head = Buffer.alloc(5);
      head[0] = 0; // BFINAL 0, BTYPE 00 (stored), padding to the byte boundary
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
    }
    // The empty stored block a zlib sync flush ends with: readers (Go's flate among them) hand
    // out a stored block's bytes only once they see the next block begin.
    parts.push(SYNC_MARKER);
    return Buffer.concat(parts);
  }
}

/**
 * The peer's direction. Its deflate context spans every header block of the connection (a block may
 * refer back into earlier ones), so everything received is kept and inflated again from the start,
 * taking the new tail. A stream-protocol connection sees a handful of header blocks, so this stays
 * cheap; `limit` bounds it for a peer that would send many.
 */
export class HeaderDecompressor {
  private input: Buffer[] = [];
  private inputLength = 0;
  private produced = 0;

  constructor(private readonly limit = 1 << 20) {}

  decompress(compressed: Buffer): SpdyHeaders {
    this.inputLength += compressed.length;
    if (this.inputLength > this.limit) throw new Error('SPDY header blocks exceed what this connection accepts');
    this.input.push(compressed);
    const all = inflateSync(Buffer.concat(this.input), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    const block = all.subarray(this.produced);
    this.produced = all.length;
    return decodeHeaderBlock(block);
  }
}
