// SPDY/3.1 frames on the wire. A control frame: 1 bit set, 15-bit version (3), 16-bit type, 8-bit
// flags, 24-bit length. A data frame: 1 bit clear, 31-bit stream id, 8-bit flags, 24-bit length.
// Header blocks go through the connection's zlib contexts (headers.ts), so encoding and decoding
// take them.
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './headers.js';

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** RST_STREAM status codes used here. */
export const RST = { protocolError: 1, refusedStream: 3, cancel: 5, internalError: 6 } as const;

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedId: number; priority: number; fin: boolean; unidirectional: boolean; headers: SpdyHeaders }
  | { type: 'synReply'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: Array<{ flags: number; id: number; value: number }> }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  /** A control frame type SPDY/3.1 does not define: receivers ignore it. */
  | { type: 'unknown'; controlType: number };

const MAX_LENGTH = 0xffffff;

function control(type: ControlType, flags: number, body: Buffer): Buffer {
  if (body.length > MAX_LENGTH) throw new Error('SPDY control frame too long');
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24 | body.length) >>> 0, 4);
  return Buffer.concat([head, body]);
}

const ids = (...n: number[]) => {
  const b = Buffer.alloc(n.length * 4);
  n.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
};

export function encodeFrame(f: SpdyFrame, compressor: HeaderCompressor): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_LENGTH) throw new Error('SPDY data frame too long');
      const head = Buffer.alloc(8);
      head.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      head.writeUInt32BE(((f.fin ? FLAG_FIN : 0) << 24 | f.data.length) >>> 0, 4);
      return Buffer.concat([head, f.data]);
    }
    case 'synStream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      fixed.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
      fixed[8] = (f.priority & 0x7) << 5;
      const flags = (f.fin ? FLAG_FIN : 0) | (f.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return control(ControlType.SynStream, flags, Buffer.concat([fixed, compressor.compress(f.headers)]));
    }
    case 'synReply':
      return control(ControlType.SynReply, f.fin ? FLAG_FIN : 0, Buffer.concat([ids(f.streamId & 0x7fffffff), compressor.compress(f.headers)]));
    case 'headers':
      return control(ControlType.Headers, f.fin ? FLAG_FIN : 0, Buffer.concat([ids(f.streamId & 0x7fffffff), compressor.compress(f.headers)]));
    case 'rstStream':
      return control(ControlType.RstStream, 0, ids(f.streamId & 0x7fffffff, f.status));
    case 'settings': {
      const body = Buffer.alloc(4 + f.entries.length * 8);
      body.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        body.writeUInt32BE(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
        body.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return control(ControlType.Settings, f.clear ? 1 : 0, body);
    }
    case 'ping':
      return control(ControlType.Ping, 0, ids(f.id));
    case 'goAway':
      return control(ControlType.GoAway, 0, ids(f.lastStreamId & 0x7fffffff, f.status));
    case 'windowUpdate':
      return control(ControlType.WindowUpdate, 0, ids(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
    case 'unknown':
      throw new Error('cannot encode an unknown SPDY frame');
  }
}

/** Cuts a byte stream into frames; `push` returns the frames completed by a chunk. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly decompressor: HeaderDecompressor) {}

  push(chunk: Buffer): SpdyFrame[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: SpdyFrame[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & MAX_LENGTH;
      if (this.buffered.length < 8 + length) break;
      const head = this.buffered.subarray(0, 8);
      const body = this.buffered.subarray(8, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      frames.push(this.decode(head, body));
    }
    return frames;
  }

  private decode(head: Buffer, body: Buffer): SpdyFrame {
    const flags = head[4]!;
    const fin = (flags & FLAG_FIN) !== 0;
    if ((head[0]! & 0x80) === 0) return { type: 'data', streamId: head.readUInt32BE(0) & 0x7fffffff, fin, data: Buffer.from(body) };
    const version = head.readUInt16BE(0) & 0x7fff;
    if (version !== SPDY_VERSION) throw new Error(`SPDY version ${version} is not spoken here`);
    const type = head.readUInt16BE(2);
    const need = (n: number) => {
      if (body.length < n) throw new Error(`SPDY control frame ${type} is too short`);
    };
    const id = (off: number) => body.readUInt32BE(off) & 0x7fffffff;
    switch (type) {
      case ControlType.SynStream:
        need(10);
        return {
          type: 'synStream',
          streamId: id(0),
          associatedId: id(4),
          priority: body[8]! >> 5,
          fin,
          unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
          headers: this.decompressor.decompress(body.subarray(10)),
        };
      case ControlType.SynReply:
        need(4);
        return { type: 'synReply', streamId: id(0), fin, headers: this.decompressor.decompress(body.subarray(4)) };
      case ControlType.Headers:
        need(4);
        return { type: 'headers', streamId: id(0), fin, headers: this.decompressor.decompress(body.subarray(4)) };
      case ControlType.RstStream:
        need(8);
        return { type: 'rstStream', streamId: id(0), status: body.readUInt32BE(4) };
      case ControlType.Settings: {
        need(4);
        const count = body.readUInt32BE(0);
        need(4 + count * 8);
        const entries = Array.from({ length: count }, (_, i) => ({
          flags: body[4 + i * 8]!,
          id: body.readUInt32BE(4 + i * 8) & 0xffffff,
          value: body.readUInt32BE(8 + i * 8),
        }));
        return { type: 'settings', clear: (flags & 1) !== 0, entries };
      }
      case ControlType.Ping:
        need(4);
        return { type: 'ping', id: body.readUInt32BE(0) };
      case ControlType.GoAway:
        need(4);
        return { type: 'goAway', lastStreamId: id(0), status: body.length >= 8 ? body.readUInt32BE(4) : 0 };
      case ControlType.WindowUpdate:
        need(8);
        return { type: 'windowUpdate', streamId: id(0), delta: body.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'unknown', controlType: type };
    }
  }
}
