// Exec and attach for websocket clients, over a runtime that only speaks SPDY for them (containerd
// 1.6 refuses v5.channel.k8s.io). Each websocket message starts with its channel: 0 stdin, 1 stdout,
// 2 stderr, 3 the final Status, 4 terminal resizes, and with v5 255 "close channel N", which is how
// a client says its stdin ended. The SPDY side has one stream per channel, named by its
// `streamtype` header; a half-close becomes FIN on the stdin stream.
import type WebSocket from 'ws';
import type { StreamRequest } from '../../runtime/types.js';
import type { SpdyConnection, SpdyStream } from './spdy/connection.js';
import { WS_V5 } from './request.js';

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Output queued towards a slow client before the runtime is held back. */
const MAX_BUFFERED = 1 << 20;

/** The SPDY protocol version asked of the runtime: v4 carries the exit code in the error stream. */
export const SPDY_CHANNEL_PROTOCOL = 'v4.channel.k8s.io';

export interface ChannelBridgeOptions {
  ws: WebSocket;
  /** Already upgraded to SPDY_CHANNEL_PROTOCOL. */
  spdy: SpdyConnection;
  io: StreamRequest;
  /** The websocket subprotocol the client and we agreed on. */
  protocol: string;
  /** How long the runtime may take to accept the streams. */
  replyTimeoutMs?: number;
}

/** Resolves when the session is over: the Status was sent (if the runtime gave one) and both
 *  connections are closed. */
export async function bridgeChannels(o: ChannelBridgeOptions): Promise<void> {
  const { ws, spdy, io } = o;
  const open = (type: string) => spdy.openStream({ streamtype: [type] });
  // The order kubectl uses; the runtime waits until every stream the request implies exists.
  const error = open('error');
  const stdin = io.stdin ? open('stdin') : undefined;
  const stdout = io.stdout ? open('stdout') : undefined;
  const stderr = io.stderr && !io.tty ? open('stderr') : undefined;
  const resize = io.tty ? open('resize') : undefined;
  const streams = [error, stdin, stdout, stderr, resize].filter((s): s is SpdyStream => s !== undefined);

  const wsClosed = new Promise<void>((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve();
    else ws.once('close', () => resolve());
  });
  // The client going away ends the session: the runtime sees its connection close.
  void wsClosed.then(() => spdy.close());

  const send = (channel: number, data: Buffer, sent?: () => void) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true }, sent);
    else sent?.();
  };
  const outputDone = [stdout, stderr].filter((s): s is SpdyStream => s !== undefined).map((s) => {
    const channel = s === stdout ? CHANNEL.stdout : CHANNEL.stderr;
    s.on('data', (chunk: Buffer) => {
      // A client reading slower than the command writes: hold the runtime back until this chunk
      // is out (the SPDY connection pauses once the stream's buffer fills) instead of queueing
      // without bound.
      const behind = ws.bufferedAmount > MAX_BUFFERED;
      if (behind) s.pause();
      send(channel, chunk, behind ? () => s.resume() : undefined);
    });
    return ended(s);
  });
  const status: Buffer[] = [];
  error.on('data', (chunk: Buffer) => status.push(chunk));
  const errorDone = ended(error);

  // The runtime drops data sent on a stream before it accepted the stream: what the client sends
  // meanwhile (kubectl sends stdin at once) waits here.
  let early: Array<[Buffer, boolean]> | undefined = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const msg = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    if (early) early.push([msg, isBinary]);
    else onClientMessage(msg, isBinary);
  });
  const accepted = await Promise.race([
    Promise.all(streams.map((s) => s.replied)).then(() => true, () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), o.replyTimeoutMs ?? 30_000).unref()),
    wsClosed.then(() => false),
  ]);
  const held = early;
  early = undefined;
  if (accepted) for (const [msg, isBinary] of held) onClientMessage(msg, isBinary);
  else {
    ws.removeAllListeners('message');
    if (ws.readyState === ws.OPEN) {
      const failure = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'InternalError', code: 500, message: 'the container runtime did not accept the exec streams' };
      send(CHANNEL.error, Buffer.from(JSON.stringify(failure)));
    }
    spdy.close();
  }
  function onClientMessage(msg: Buffer, isBinary: boolean): void {
    if (!isBinary || msg.length === 0) return;
    const channel = msg[0]!;
    const body = msg.subarray(1);
    if (channel === CHANNEL.stdin && stdin && !stdin.writableEnded) {
      // Backpressure: stop reading the client while the runtime has not taken its stdin.
      if (!stdin.write(body)) {
        ws.pause();
        stdin.once('drain', () => ws.resume());
      }
    } else if (channel === CHANNEL.resize && resize && !resize.writableEnded) {
      resize.write(body);
    } else if (channel === CHANNEL.close && o.protocol === WS_V5 && body[0] === CHANNEL.stdin) {
      stdin?.end();
    }
  }

  // The runtime writes the Status last, then closes; output may still be in flight behind it.
  await Promise.race([Promise.all([errorDone, ...outputDone]), spdy.closed.then(() => Promise.all([errorDone, ...outputDone]))]);
  const text = Buffer.concat(status);
  if (text.length) send(CHANNEL.error, text);
  if (ws.readyState === ws.OPEN) ws.close(1000);
  spdy.close();
  await wsClosed;
}

function ended(s: SpdyStream): Promise<void> {
  return new Promise((resolve) => {
    if (s.readableEnded) return resolve();
    s.once('end', () => resolve());
    s.once('close', () => resolve());
  });
}
