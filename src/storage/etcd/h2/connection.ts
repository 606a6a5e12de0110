// The client side of one HTTP/2 connection (RFC 9113), as much as gRPC calls to etcd use: streams
// opened by us, flow control both ways, SETTINGS, PING, RST_STREAM, GOAWAY, CONTINUATION, padding.
// No push (refused in our SETTINGS), no priorities (ignored), no server-initiated streams.
//
// Why our own: Node 20's http2.request() alone costs 50-70 µs of CPU per call (its JS stream
// objects, header validation and conversion, and an AsyncResource.bind that builds deprecation
// wrappers on every request), and a create on etcd is one call. Here a unary call is one buffer out
// (HEADERS and DATA together, several calls of one event-loop turn in one write) and a few small
// objects in.
import type { Duplex } from 'node:stream';
import { HpackDecoder, type HeaderList } from './hpack.js';
import {
  DEFAULT_MAX_FRAME, DEFAULT_WINDOW, ErrorCode, errorName, Flag, FRAME_HEADER_BYTES, FrameType, frameOf, MAX_WINDOW,
  PREFACE, Setting, settingsPayload, words, writeFrameHeader,
} from './frames.js';

const CLOSED_BY_PEER = 'the member closed the connection';
const PING_ACK_DELAY_MS = 5;

/** How a stream ended, as its caller needs to tell it: only `ended` means the peer answered in full. */
export type StreamEnd =
  | { kind: 'ended' }
  | { kind: 'reset'; code: number }
  /** The connection went. `unprocessed`: the peer said (GOAWAY) it never looked at this stream. */
  | { kind: 'lost'; reason: string; unprocessed: boolean };

export interface StreamHandlers {
  /** A header block: the response's headers, then (with `endStream`) its trailers. */
  onHeaders(fields: HeaderList, endStream: boolean): void;
  onData(chunk: Buffer): void;
  /** Once, last; not after the caller's own reset(). */
  onEnd(end: StreamEnd): void;
}

/** A socket that can be told not to hold the process open (net.Socket, tls.TLSSocket). */
export type Transport = Duplex & { ref(): unknown; unref(): unknown; destroySoon(): void };

export interface ConnectionOptions {
  /** The receive window this side gives each stream and the connection. */
  windowBytes: number;
  /** Once, when the connection is gone (socket closed), with why. */
  onClose(reason: string): void;
  /** The peer will take no new streams (GOAWAY); those in flight may still finish. */
  onGoaway(): void;
}

interface Pending {
  data: Buffer;
  end: boolean;
}

export class H2Stream {
  /** Send window: what the peer still lets this stream send (set when it starts). */
  sendWindow = 0;
  /** Bytes delivered since the last WINDOW_UPDATE for the stream. */
  unacked = 0;
  localEnded = false;
  remoteEnded = false;
  /** Gone from the connection: writes are dropped. */
  closed = false;
  paused = false;
  /** Data (and the end) held while paused, delivered on resume. */
  held: Array<Buffer | StreamEnd> = [];
  readonly outbox: Pending[] = [];
  /** Kept only while the stream waits for the peer's concurrency limit. */
  headerBlock?: Buffer;

  constructor(
    readonly id: number,
    private readonly conn: H2Connection,
    readonly handlers: StreamHandlers,
  ) {}

  write(data: Buffer, end = false): void {
    if (this.localEnded || this.closed) return;
    this.localEnded = end;
    this.outbox.push({ data, end });
    this.conn.flushStream(this);
  }

  end(): void {
    this.write(Buffer.alloc(0), true);
  }

  /** Ends the stream from this side with RST_STREAM; no handler is called after. */
  reset(code: number = ErrorCode.Cancel): void {
    this.conn.resetStream(this, code);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.conn.release(this);
  }
}

export class H2Connection {
  private readonly streams = new Map<number, H2Stream>();
  private nextId = 1;
  private readonly decoder = new HpackDecoder();
  // What the peer allows us.
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxStreams = Infinity;
  private connSendWindow = DEFAULT_WINDOW;
  /** Streams with data waiting for send window. */
  private readonly blocked = new Set<H2Stream>();
  /** Streams waiting for the peer's concurrency limit to allow them. */
  private readonly queued: H2Stream[] = [];
  private connUnacked = 0;
  // Reading.
  private readBuf: Buffer[] = [];
  private readBytes = 0;
  /** A header block being continued in CONTINUATION frames: its stream, parts, and END_STREAM flag. */
  private continuing?: { id: number; parts: Buffer[]; endStream: boolean };
  // Writing: frames of one event-loop turn leave in one write.
  private out: Buffer[] = [];
  private flushScheduled = false;
  private readonly pings = new Map<string, (err?: Error) => void>();
  private pingSeq = 0;
  private readonly pingAcks: Buffer[] = [];
  private pingAckTimer?: NodeJS.Timeout;
  private goaway = false;
  private closing = false;
  private gone = false;
  private error?: string;

  constructor(
    private readonly socket: Transport,
    private readonly options: ConnectionOptions,
  ) {
    const window = options.windowBytes;
    this.send(PREFACE);
    this.send(frameOf(FrameType.Settings, 0, 0, settingsPayload([
      [Setting.EnablePush, 0],
      [Setting.InitialWindowSize, window],
    ])));
    if (window > DEFAULT_WINDOW) this.send(frameOf(FrameType.WindowUpdate, 0, 0, words(window - DEFAULT_WINDOW)));
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    // The peer hanging up shows as an end, or as a reset on our next read or write: all one to an operator.
    socket.on('end', () => {
      this.error ??= CLOSED_BY_PEER;
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error ??= err.code === 'ECONNRESET' || err.code === 'EPIPE' ? CLOSED_BY_PEER : err.message;
      socket.destroy();
    });
    socket.on('close', () => this.onSocketClose());
  }

  /** Whether a new stream may be opened here (not going away, closed, or out of stream IDs). */
  get open(): boolean {
    return !this.gone && !this.goaway && !this.closing && this.nextId <= MAX_WINDOW;
  }

  get destroyed(): boolean {
    return this.gone;
  }

  /** Why the connection failed, if it said. */
  get failure(): string | undefined {
    return this.error;
  }

  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }

  /** Opens a stream with an encoded header block, and (if given) its first data, in one write. */
  request(headerBlock: Buffer, handlers: StreamHandlers, data?: Buffer, end = false): H2Stream {
    if (!this.open) throw new Error(this.error ?? (this.gone ? 'the connection is closed' : 'the connection is going away'));
    const stream = new H2Stream(this.nextId, this, handlers);
    this.nextId += 2;
    if (data) {
      stream.outbox.push({ data, end });
      stream.localEnded = end;
    }
    // Opened past the peer's limit, a stream would be refused: it waits here for one to close.
    // (Stream IDs must be opened in order: behind any already waiting.)
    if (this.queued.length || this.streams.size >= this.peerMaxStreams) {
      stream.headerBlock = headerBlock;
      this.queued.push(stream);
    } else {
      this.start(stream, headerBlock);
    }
    return stream;
  }

  private start(stream: H2Stream, headerBlock: Buffer): void {
    this.streams.set(stream.id, stream);
    // A stream that waited in the queue starts with the window of now, not of when it was asked for.
    stream.sendWindow = this.peerInitialWindow;
    // HEADERS, split into CONTINUATIONs if the block is larger than a frame; END_STREAM rides on DATA.
    const first = Math.min(headerBlock.length, this.peerMaxFrame);
    this.send(frameOf(FrameType.Headers, first === headerBlock.length ? Flag.EndHeaders : 0, stream.id, headerBlock.subarray(0, first)));
    for (let at = first; at < headerBlock.length; at += this.peerMaxFrame) {
      const part = headerBlock.subarray(at, at + this.peerMaxFrame);
      this.send(frameOf(FrameType.Continuation, at + part.length === headerBlock.length ? Flag.EndHeaders : 0, stream.id, part));
    }
    this.flushStream(stream);
  }

  /** Sends what the stream has queued, as far as the send windows allow. */
  flushStream(stream: H2Stream): void {
    if (!this.streams.has(stream.id)) return; // queued behind the peer's limit, or already closed
    while (stream.outbox.length) {
      const head = stream.outbox[0]!;
      if (head.data.length === 0) {
        this.send(frameOf(FrameType.Data, head.end ? Flag.EndStream : 0, stream.id));
        stream.outbox.shift();
        continue;
      }
      const room = Math.min(stream.sendWindow, this.connSendWindow, this.peerMaxFrame);
      if (room <= 0) {
        this.blocked.add(stream);
        return;
      }
      const n = Math.min(room, head.data.length);
      const last = n === head.data.length;
      const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + n);
      writeFrameHeader(frame, 0, n, FrameType.Data, last && head.end ? Flag.EndStream : 0, stream.id);
      head.data.copy(frame, FRAME_HEADER_BYTES, 0, n);
      this.send(frame);
      stream.sendWindow -= n;
      this.connSendWindow -= n;
      if (last) stream.outbox.shift();
      else head.data = head.data.subarray(n);
    }
    this.blocked.delete(stream);
  }

  resetStream(stream: H2Stream, code: number): void {
    if (!this.streams.has(stream.id)) {
      const i = this.queued.indexOf(stream);
      if (i >= 0) this.queued.splice(i, 1);
      stream.closed = true;
      return;
    }
    this.send(frameOf(FrameType.RstStream, 0, stream.id, words(code)));
    this.forget(stream);
  }

  /** Delivers what a paused stream held, then credits its window for it. */
  release(stream: H2Stream): void {
    // (A handler may reset the stream: then nothing more is delivered.)
    while (stream.held.length && !stream.paused && !stream.closed) {
      const item = stream.held.shift()!;
      if (Buffer.isBuffer(item)) {
        stream.handlers.onData(item);
        if (!stream.closed) this.credit(stream, item.length);
      } else {
        this.finish(stream, item);
      }
    }
  }

  /** Sends a PING; `done` hears the ACK, or an error when the connection goes first. */
  ping(done: (err?: Error) => void): void {
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(++this.pingSeq, 4);
    this.pings.set(payload.toString('hex'), done);
    this.send(frameOf(FrameType.Ping, 0, 0, payload));
  }

  /** No new streams; the socket closes once the streams in flight are done. */
  close(): void {
    if (this.gone || this.closing) return;
    this.closing = true;
    this.send(frameOf(FrameType.Goaway, 0, 0, words(0, ErrorCode.NoError)));
    if (this.streams.size === 0) this.endSocket();
  }

  /** Closes at once: every stream in flight is lost with `reason`. */
  destroy(reason: string): void {
    if (this.gone) return;
    this.error ??= reason;
    this.socket.destroy();
  }

  // ---- writing

  private send(frame: Buffer): void {
    if (this.gone) return;
    this.out.push(frame);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushOut());
    }
  }

  /** Answers a PING a little later, with any others that came meanwhile. etcd's gRPC server sends a
   *  bandwidth-probing PING whenever data arrives and none is outstanding: one per call, each answer
   *  one more write and one more wakeup of etcd. Answered after PING_ACK_DELAY_MS, there is one PING
   *  per delay instead (the RFC asks for an answer, and sets no deadline; etcd's own keepalive allows
   *  seconds). Per one-at-a-time create: 0.14 PINGs in and 1.14 writes out, not 1 and 2. */
  private ackPing(payload: Buffer): void {
    this.pingAcks.push(frameOf(FrameType.Ping, Flag.Ack, 0, payload));
    if (this.pingAckTimer) return;
    this.pingAckTimer = setTimeout(() => {
      this.pingAckTimer = undefined;
      for (const ack of this.pingAcks.splice(0)) this.send(ack);
    }, PING_ACK_DELAY_MS);
    this.pingAckTimer.unref();
  }

  private flushOut(): void {
    this.flushScheduled = false;
    const frames = this.out;
    this.out = [];
    if (this.gone || this.socket.destroyed || frames.length === 0) return;
    this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  /** Nothing left to say or hear: what was written goes out, then the socket closes without waiting
   *  for the peer's side (a peer may keep a connection it has sent GOAWAY on half open). */
  private endSocket(): void {
    this.flushOut();
    this.socket.destroySoon();
  }

  // ---- reading

  private onBytes(chunk: Buffer): void {
    let buf: Buffer;
    if (this.readBytes === 0) {
      buf = chunk;
    } else {
      this.readBuf.push(chunk);
      this.readBytes += chunk.length;
      if (this.readBytes < FRAME_HEADER_BYTES) return;
      const head = this.readBuf[0]!.length >= FRAME_HEADER_BYTES ? this.readBuf[0]! : Buffer.concat(this.readBuf);
      if (this.readBytes < FRAME_HEADER_BYTES + head.readUIntBE(0, 3)) return;
      buf = Buffer.concat(this.readBuf, this.readBytes);
      this.readBuf = [];
      this.readBytes = 0;
    }
    let at = 0;
    while (buf.length - at >= FRAME_HEADER_BYTES) {
      const length = buf.readUIntBE(at, 3);
      if (length > DEFAULT_MAX_FRAME) return this.protocolError(`a frame of ${length} bytes, over the ${DEFAULT_MAX_FRAME} allowed`, ErrorCode.FrameSizeError);
      if (buf.length - at < FRAME_HEADER_BYTES + length) break;
      const type = buf[at + 3]!;
      const flags = buf[at + 4]!;
      const id = buf.readUInt32BE(at + 5) & 0x7fffffff;
      const payload = buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
      at += FRAME_HEADER_BYTES + length;
      this.onFrame(type, flags, id, payload);
      if (this.gone || this.socket.destroyed) return;
    }
    if (at < buf.length) {
      this.readBuf = [buf.subarray(at)];
      this.readBytes = buf.length - at;
    }
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.continuing && type !== FrameType.Continuation) return this.protocolError('a header block was interrupted by another frame');
    switch (type) {
      case FrameType.Data:
        return this.onData(flags, id, payload);
      case FrameType.Headers:
        return this.onHeaders(flags, id, payload);
      case FrameType.Continuation: {
        const c = this.continuing;
        if (!c || c.id !== id) return this.protocolError('CONTINUATION without a header block to continue');
        c.parts.push(payload);
        if (flags & Flag.EndHeaders) {
          this.continuing = undefined;
          this.onHeaderBlock(id, Buffer.concat(c.parts), c.endStream);
        }
        return;
      }
      case FrameType.RstStream: {
        const stream = this.streams.get(id);
        if (!stream || payload.length !== 4) return;
        this.forget(stream);
        stream.handlers.onEnd({ kind: 'reset', code: payload.readUInt32BE(0) });
        return;
      }
      case FrameType.Settings:
        if (flags & Flag.Ack || id !== 0) return;
        return this.onSettings(payload);
      case FrameType.Ping: {
        if (payload.length !== 8) return this.protocolError('a PING that is not 8 bytes', ErrorCode.FrameSizeError);
        if (flags & Flag.Ack) {
          const key = payload.toString('hex');
          const done = this.pings.get(key);
          this.pings.delete(key);
          done?.();
        } else {
          this.ackPing(payload);
        }
        return;
      }
      case FrameType.Goaway:
        return this.onGoaway(payload);
      case FrameType.WindowUpdate:
        return this.onWindowUpdate(id, payload);
      case FrameType.PushPromise:
        return this.protocolError('PUSH_PROMISE although push is disabled');
      default:
        // PRIORITY, and extension frames: nothing a client needs to act on.
        return;
    }
  }

  private onData(flags: number, id: number, payload: Buffer): void {
    // Flow control counts the whole frame, padding included, even for streams already closed.
    this.connUnacked += payload.length;
    if (this.connUnacked >= this.options.windowBytes / 2) {
      this.send(frameOf(FrameType.WindowUpdate, 0, 0, words(this.connUnacked)));
      this.connUnacked = 0;
    }
    const stream = this.streams.get(id);
    if (!stream) return;
    const data = flags & Flag.Padded ? unpad(payload) : payload;
    if (!data) return this.protocolError('padding longer than its frame');
    const padding = payload.length - data.length;
    if (data.length) {
      if (stream.paused || stream.held.length) stream.held.push(data);
      else {
        stream.handlers.onData(data);
        if (!this.streams.has(id)) return; // the handler reset it
        this.credit(stream, data.length);
      }
    }
    if (padding) this.credit(stream, padding);
    if (flags & Flag.EndStream) this.remoteEnd(stream);
  }

  private credit(stream: H2Stream, bytes: number): void {
    if (stream.remoteEnded) return;
    stream.unacked += bytes;
    if (stream.unacked >= this.options.windowBytes / 2) {
      this.send(frameOf(FrameType.WindowUpdate, 0, stream.id, words(stream.unacked)));
      stream.unacked = 0;
    }
  }

  private onHeaders(flags: number, id: number, payload: Buffer): void {
    let block: Buffer | undefined = flags & Flag.Padded ? unpad(payload) : payload;
    if (!block) return this.protocolError('padding longer than its frame');
    if (flags & Flag.Priority) block = block.subarray(5);
    const endStream = (flags & Flag.EndStream) !== 0;
    if (!(flags & Flag.EndHeaders)) {
      this.continuing = { id, parts: [block], endStream };
      return;
    }
    this.onHeaderBlock(id, block, endStream);
  }

  private onHeaderBlock(id: number, block: Buffer, endStream: boolean): void {
    let fields: HeaderList;
    try {
      // Decoded even for a stream we no longer track: the table is shared by the whole connection.
      fields = this.decoder.decode(block);
    } catch (err) {
      return this.protocolError((err as Error).message, ErrorCode.CompressionError);
    }
    const stream = this.streams.get(id);
    if (!stream) return;
    stream.handlers.onHeaders(fields, endStream);
    if (endStream && this.streams.has(id)) this.remoteEnd(stream);
  }

  /** The peer ended its side: for gRPC the call is over (its status came), whatever ours still had to
   *  say; a stream still open on our side is reset, so the peer can let it go. */
  private remoteEnd(stream: H2Stream): void {
    stream.remoteEnded = true;
    if (!stream.localEnded || stream.outbox.length) {
      stream.localEnded = true;
      stream.outbox.length = 0;
      this.send(frameOf(FrameType.RstStream, 0, stream.id, words(ErrorCode.NoError)));
    }
    if (stream.paused || stream.held.length) stream.held.push({ kind: 'ended' });
    else this.finish(stream, { kind: 'ended' });
  }

  /** The stream is over for the caller: gone from the table (its late frames ignored), told once. */
  private finish(stream: H2Stream, end: StreamEnd): void {
    this.forget(stream);
    stream.handlers.onEnd(end);
  }

  private forget(stream: H2Stream): void {
    stream.closed = true;
    if (!this.streams.delete(stream.id)) return;
    this.blocked.delete(stream);
    this.startQueued();
    if (this.streams.size === 0 && (this.closing || this.goaway) && !this.gone) this.endSocket();
  }

  private startQueued(): void {
    while (this.queued.length && this.streams.size < this.peerMaxStreams && !this.gone) {
      const next = this.queued.shift()!;
      const block = next.headerBlock!;
      next.headerBlock = undefined;
      this.start(next, block);
    }
  }

  private onSettings(payload: Buffer): void {
    if (payload.length % 6) return this.protocolError('a SETTINGS frame of a length not a multiple of 6', ErrorCode.FrameSizeError);
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      if (id === Setting.InitialWindowSize) {
        if (value > MAX_WINDOW) return this.protocolError('an initial window over 2^31-1', ErrorCode.FlowControlError);
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) s.sendWindow += delta;
      } else if (id === Setting.MaxFrameSize) {
        if (value < DEFAULT_MAX_FRAME || value > 16_777_215) return this.protocolError(`a maximum frame size of ${value}`);
        this.peerMaxFrame = value;
      } else if (id === Setting.MaxConcurrentStreams) {
        this.peerMaxStreams = value;
      }
    }
    this.send(frameOf(FrameType.Settings, Flag.Ack, 0));
    this.startQueued();
    this.unblock();
  }

  private onWindowUpdate(id: number, payload: Buffer): void {
    if (payload.length !== 4) return this.protocolError('a WINDOW_UPDATE that is not 4 bytes', ErrorCode.FrameSizeError);
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (id === 0) {
      if (increment === 0) return this.protocolError('a WINDOW_UPDATE of 0');
      this.connSendWindow += increment;
      if (this.connSendWindow > MAX_WINDOW) return this.protocolError('a connection window over 2^31-1', ErrorCode.FlowControlError);
      return this.unblock();
    }
    const stream = this.streams.get(id);
    if (!stream) return;
    stream.sendWindow += increment;
    this.flushStream(stream);
  }

  private unblock(): void {
    for (const s of [...this.blocked]) this.flushStream(s);
  }

  private onGoaway(payload: Buffer): void {
    if (payload.length < 8) return this.protocolError('a GOAWAY shorter than 8 bytes', ErrorCode.FrameSizeError);
    const last = payload.readUInt32BE(0) & 0x7fffffff;
    const code = payload.readUInt32BE(4);
    const debug = payload.subarray(8).toString('utf8');
    if (code !== ErrorCode.NoError) this.error ??= `the member sent GOAWAY ${errorName(code)}${debug ? `: ${debug}` : ''}`;
    const first = !this.goaway;
    this.goaway = true;
    const reason = this.error ?? 'the member is going away (GOAWAY)';
    // Streams past `last` were never processed (RFC 9113 6.8): safe to send again elsewhere.
    for (const s of [...this.streams.values()]) {
      if (s.id > last) this.finish(s, { kind: 'lost', reason, unprocessed: true });
    }
    this.dropQueued(reason);
    if (first) this.options.onGoaway();
    if (this.streams.size === 0 && !this.gone) this.endSocket();
  }

  private protocolError(reason: string, code: number = ErrorCode.ProtocolError): void {
    if (this.gone) return;
    this.error ??= `HTTP/2 protocol error from the member: ${reason}`;
    this.send(frameOf(FrameType.Goaway, 0, 0, Buffer.concat([words(0, code), Buffer.from(reason)])));
    this.flushOut();
    this.socket.destroy();
  }

  private onSocketClose(): void {
    if (this.gone) return;
    this.gone = true;
    clearTimeout(this.pingAckTimer);
    const reason = this.error ?? CLOSED_BY_PEER;
    for (const done of this.pings.values()) done(new Error(reason));
    this.pings.clear();
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) {
      s.closed = true;
      s.handlers.onEnd({ kind: 'lost', reason, unprocessed: false });
    }
    this.dropQueued(reason);
    this.options.onClose(reason);
  }

  /** Streams still waiting for the peer's concurrency limit were never sent: safe to send elsewhere. */
  private dropQueued(reason: string): void {
    for (const s of this.queued.splice(0)) {
      s.closed = true;
      s.handlers.onEnd({ kind: 'lost', reason, unprocessed: true });
    }
  }
}

/** A padded frame's content without its pad-length byte and padding, or undefined if malformed. */
function unpad(payload: Buffer): Buffer | undefined {
  if (payload.length < 1) return undefined;
  const pad = payload[0]!;
  if (pad >= payload.length) return undefined;
  return payload.subarray(1, payload.length - pad);
}
