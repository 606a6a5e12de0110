// The client end of a SPDY/3.1 connection, as much of it as the Kubernetes stream protocols need:
// we open streams (odd ids) with headers, write and half-close them, read what the server sends on
// them, answer its pings, and stop on GOAWAY or when the socket ends.
//
// Flow control: the peers here (kubectl's and containerd's spdystream) implement SPDY/3 framing
// without flow control: they never send WINDOW_UPDATE and ignore ours. So our sending does not
// wait for windows (that would stall stdin after the first 64 KiB), and we grant consumed bytes
// back (WINDOW_UPDATE, stream and session) only to a peer that showed it keeps windows, by sending
// SETTINGS or WINDOW_UPDATE itself. Updates to spdystream would be worse than useless: containerd
// closes the connection right after the exit Status, an update arriving then draws a TCP reset,
// and the reset makes our kernel drop the output and Status we had not read yet.
import { Duplex } from 'node:stream';
import { encodeFrame, FrameReader, RST, type SpdyFrame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './headers.js';

/** Data frames we send are cut to this size, so one big write does not hold up the other streams. */
const MAX_DATA_FRAME = 32 * 1024;

export class SpdyStream extends Duplex {
  /** Resolves with the server's SYN_REPLY headers; rejects if it resets the stream first. */
  readonly replied: Promise<SpdyHeaders>;
  private settleReply!: { resolve(h: SpdyHeaders): void; reject(e: Error): void };
  private remoteEnded = false;
  private wasReset = false;

  constructor(
    readonly id: number,
    private readonly conn: SpdyConnection,
  ) {
    super({ allowHalfOpen: true });
    this.replied = new Promise((resolve, reject) => (this.settleReply = { resolve, reject }));
    this.replied.catch(() => undefined);
  }

  override _read(): void {
    this.conn.resumeReading();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // A reset stream takes nothing more; what the peer no longer wants is dropped, not an error.
    if (this.wasReset) return cb();
    this.conn.sendData(this.id, chunk, false, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.wasReset) return cb();
    this.conn.sendData(this.id, Buffer.alloc(0), true, cb);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.conn.forget(this, err !== null || !(this.writableFinished && this.readableEnded));
    this.settleReply.reject(err ?? new Error('stream closed'));
    cb(err);
  }

  /** @internal The peer reset the stream: reading ends after what arrived, writing is dropped. */
  onReset(): void {
    this.wasReset = true;
    this.onRemoteEnd();
  }

  /** @internal */
  onReply(headers: SpdyHeaders): void {
    this.settleReply.resolve(headers);
  }

  /** @internal Data from the server; false when the reader is behind. */
  onData(data: Buffer): boolean {
    if (this.remoteEnded) return true;
    return this.push(data);
  }

  /** @internal The server will send no more on this stream (FIN, or the connection is gone). */
  onRemoteEnd(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.settleReply.reject(new Error('the stream ended before the server replied'));
    this.push(null);
  }
}

export class SpdyConnection {
  private readonly compressor = new HeaderCompressor();
  private readonly reader = new FrameReader(new HeaderDecompressor());
  private readonly streams = new Map<number, SpdyStream>();
  private nextId = 1;
  private goneAway = false;
  /** The peer keeps SPDY/3.1 flow-control windows (see the top of this file). */
  private peerFlowControl = false;
  private closedResolve!: () => void;
  /** Resolves once the socket is gone, for whatever reason. */
  readonly closed = new Promise<void>((r) => (this.closedResolve = r));

  constructor(private readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.shutdown());
    socket.on('close', () => this.shutdown());
    socket.on('error', () => this.shutdown());
  }

  /** Bytes already read past the HTTP upgrade answer belong to the first frames. */
  feed(initial: Buffer): void {
    if (initial.length) this.receive(initial);
  }

  /** A new stream; it carries data once `replied` resolved (spdystream drops data sent before). */
  openStream(headers: SpdyHeaders): SpdyStream {
    if (this.goneAway) throw new Error('the SPDY connection is closing');
    const id = this.nextId;
    this.nextId += 2;
    const stream = new SpdyStream(id, this);
    this.streams.set(id, stream);
    this.write({ type: 'synStream', streamId: id, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers });
    return stream;
  }

  /** Sends GOAWAY and ends the socket; open streams end (their unread data stays readable). */
  close(): void {
    if (!this.goneAway && this.socket.writable) this.write({ type: 'goAway', lastStreamId: 0, status: 0 });
    this.goneAway = true;
    this.socket.end();
    this.shutdown();
  }

  /** @internal */
  sendData(id: number, data: Buffer, fin: boolean, cb: (err?: Error | null) => void): void {
    // The session is over; the writer learns that from the streams' ends, not from errors.
    if (!this.socket.writable) return cb();
    let flushed = true;
    let off = 0;
    do {
      const part = data.subarray(off, off + MAX_DATA_FRAME);
      off += part.length;
      flushed = this.write({ type: 'data', streamId: id, fin: fin && off >= data.length, data: part });
    } while (off < data.length);
    if (flushed) cb();
    else this.socket.once('drain', () => cb());
  }

  /** @internal A stream went away: reset it on the wire unless both sides ended it cleanly. */
  forget(stream: SpdyStream, reset: boolean): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (reset && this.socket.writable) this.write({ type: 'rstStream', streamId: stream.id, status: RST.cancel });
  }

  /** @internal A stream's reader wants more: let the socket flow again. */
  resumeReading(): void {
    if (this.socket.isPaused()) this.socket.resume();
  }

  private write(frame: SpdyFrame): boolean {
    return this.socket.write(encodeFrame(frame, this.compressor));
  }

  private receive(chunk: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.socket.destroy(err as Error);
      return;
    }
    for (const f of frames) this.handle(f);
  }

  private handle(f: SpdyFrame): void {
    switch (f.type) {
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (f.data.length) {
          // Grant the bytes back at once, to a peer that counts them (see the top of this file).
          if (this.peerFlowControl) {
            this.write({ type: 'windowUpdate', streamId: 0, delta: f.data.length });
            if (s) this.write({ type: 'windowUpdate', streamId: f.streamId, delta: f.data.length });
          }
          // A reader that cannot keep up pauses the whole connection until it reads again.
          if (s && !s.onData(f.data)) this.socket.pause();
        }
        if (f.fin) s?.onRemoteEnd();
        return;
      }
      case 'synReply': {
        const s = this.streams.get(f.streamId);
        s?.onReply(f.headers);
        if (f.fin) s?.onRemoteEnd();
        return;
      }
      case 'headers':
        if (f.fin) this.streams.get(f.streamId)?.onRemoteEnd();
        return;
      case 'rstStream': {
        // containerd ends a session by resetting every stream right after the last data (the
        // Status on the error stream among it): what arrived stays readable, and ends here.
        const s = this.streams.get(f.streamId);
        if (s) {
          this.streams.delete(f.streamId);
          s.onReset();
        }
        return;
      }
      case 'synStream':
        // The stream protocols here never let the server open streams.
        this.write({ type: 'rstStream', streamId: f.streamId, status: RST.refusedStream });
        return;
      case 'ping':
        // Even ids are the server's own pings, which must be echoed; odd ones would answer ours.
        if (f.id % 2 === 0) this.write({ type: 'ping', id: f.id });
        return;
      case 'goAway':
        this.goneAway = true;
        return;
      case 'settings':
      case 'windowUpdate':
        this.peerFlowControl = true;
        return;
      case 'unknown':
        return;
    }
  }

  /** The socket is gone: every stream's reader sees its end (after the data it still holds), and
   *  writes are dropped from now on. */
  private shutdown(): void {
    this.goneAway = true;
    const open = [...this.streams.values()];
    this.streams.clear();
    for (const s of open) s.onReset();
    this.closedResolve();
  }
}
