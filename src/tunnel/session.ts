// Streams multiplexed over one websocket. The server side dials (`open`), the agent side accepts
// (`onOpen` connects the stream to a local target such as the kubelet's socket). Backpressure is the
// websocket's: a stream's write completes when its frame is handed to the socket.
import { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { decodeFrame, encodeFrame, FrameType } from './frames.js';

export interface TunnelSession {
  /** Opens a stream to `target` on the far side. */
  open(target: string, timeoutMs?: number): Promise<Duplex>;
  readonly closed: Promise<void>;
  /** Sends the websocket close frame (with a code and reason for the peer) and drops every stream. */
  close(code?: number, reason?: string): void;
}

interface Pending {
  stream: Duplex;
  resolve(s: Duplex): void;
  reject(err: Error): void;
}

export interface SessionOptions {
  /** Agent side: connect `stream` to `target`, or throw to refuse. */
  onOpen?(target: string, stream: Duplex): Promise<void>;
}

export function createTunnelSession(ws: WebSocket, opts: SessionOptions = {}): TunnelSession {
  const streams = new Map<number, Duplex>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  let isClosed = false;

  const send = (type: FrameType, id: number, payload?: Buffer | string, cb?: (err?: Error) => void) => {
    if (ws.readyState !== ws.OPEN) {
      cb?.(new Error('tunnel closed'));
      return;
    }
    ws.send(encodeFrame(type, id, payload), { binary: true }, cb);
  };

  const makeStream = (id: number): Duplex => {
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        send(FrameType.Data, id, chunk, cb);
      },
      final(cb) {
        send(FrameType.End, id);
        cb();
      },
      destroy(err, cb) {
        if (streams.get(id) === stream) {
          streams.delete(id);
          // Both directions ended cleanly: the peer saw our End and sent its own; nothing to reset.
          const clean = !err && stream.writableFinished && stream.readableEnded;
          if (!clean) send(FrameType.Reset, id, err?.message ?? 'closed');
        }
        cb(err);
      },
    });
    streams.set(id, stream);
    return stream;
  };

  const drop = (id: number, reason: string) => {
    const p = pending.get(id);
    if (p) {
      pending.delete(id);
      streams.delete(id);
      p.reject(new Error(reason));
    }
    const s = streams.get(id);
    if (s) {
      streams.delete(id);
      s.destroy(new Error(reason));
    }
  };

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const frame = decodeFrame(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
    if (!frame) return;
    const { type, stream: id, payload } = frame;
    switch (type) {
      case FrameType.Open: {
        if (!opts.onOpen || streams.has(id)) {
          send(FrameType.Reset, id, 'this side accepts no streams');
          return;
        }
        const stream = makeStream(id);
        opts.onOpen(payload.toString('utf8'), stream).then(
          () => send(FrameType.Opened, id),
          (err: Error) => {
            streams.delete(id);
            send(FrameType.Reset, id, err.message);
            stream.destroy();
          },
        );
        return;
      }
      case FrameType.Opened: {
        const p = pending.get(id);
        if (p) {
          pending.delete(id);
          p.resolve(p.stream);
        }
        return;
      }
      case FrameType.Data:
        streams.get(id)?.push(payload);
        return;
      case FrameType.End:
        streams.get(id)?.push(null);
        return;
      case FrameType.Reset:
        drop(id, payload.toString('utf8') || 'stream reset by peer');
        return;
    }
  });

  const shutdown = () => {
    if (isClosed) return;
    isClosed = true;
    for (const id of [...pending.keys(), ...streams.keys()]) drop(id, 'tunnel closed');
    closedResolve();
  };
  ws.on('close', shutdown);
  ws.on('error', shutdown);

  return {
    open(target, timeoutMs = 10_000) {
      if (isClosed) return Promise.reject(new Error('tunnel closed'));
      const id = nextId;
      nextId = nextId >= 0xffffffff ? 1 : nextId + 1;
      const stream = makeStream(id);
      return new Promise<Duplex>((resolve, reject) => {
        const timer = setTimeout(() => drop(id, `no answer from the agent within ${timeoutMs} ms`), timeoutMs);
        timer.unref();
        pending.set(id, {
          stream,
          resolve: (s) => {
            clearTimeout(timer);
            resolve(s);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
        send(FrameType.Open, id, target);
      });
    },
    closed,
    close(code?: number, reason?: string) {
      ws.close(code, reason);
      shutdown();
    },
  };
}
