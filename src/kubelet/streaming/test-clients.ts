// Clients for tests of the streaming endpoints, speaking what kubectl speaks: websocket v5 channels
// (with the stdin half-close), SPDY/3.1 channel streams and SPDY port-forward streams (plain, or
// tunneled in websocket binary messages).
import { request } from 'node:http';
import { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { SpdyConnection, type SpdyStream } from './spdy/connection.js';
import { CHANNEL } from './channel-bridge.js';

export interface ChannelResult {
  stdout: string;
  stderr: string;
  /** The Status JSON from channel 3 (or the SPDY error stream), if any. */
  status?: { status?: string; message?: string; details?: { causes?: Array<{ reason?: string; message?: string }> } };
  /** The websocket close code (websocket clients only). */
  closeCode?: number;
}

export const exitCodeOf = (r: ChannelResult): number | undefined => {
  if (r.status?.status === 'Success') return 0;
  const cause = r.status?.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause ? Number(cause.message) : undefined;
};

/** A websocket v5 session: sends `stdin` chunks, then (unless told not to) half-closes stdin. */
export function wsChannels(o: { socketPath: string; path: string; stdin?: Buffer[]; halfClose?: boolean; protocol?: string; onOpen?(ws: WebSocket): void }): Promise<ChannelResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws+unix://${o.socketPath}:${o.path}`, [o.protocol ?? 'v5.channel.k8s.io']);
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], status: [] as Buffer[] };
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body.trim()}`), { status: res.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('open', () => {
      for (const chunk of o.stdin ?? []) ws.send(Buffer.concat([Buffer.from([CHANNEL.stdin]), chunk]));
      if (o.halfClose !== false && o.stdin) ws.send(Buffer.from([CHANNEL.close, CHANNEL.stdin]));
      o.onOpen?.(ws);
    });
    ws.on('message', (data: Buffer) => {
      const target = data[0] === CHANNEL.stdout ? out.stdout : data[0] === CHANNEL.stderr ? out.stderr : data[0] === CHANNEL.error ? out.status : undefined;
      target?.push(data.subarray(1));
    });
    ws.on('close', (code) => {
      const status = Buffer.concat(out.status).toString('utf8');
      resolve({ stdout: Buffer.concat(out.stdout).toString('utf8'), stderr: Buffer.concat(out.stderr).toString('utf8'), status: status ? JSON.parse(status) : undefined, closeCode: code });
    });
  });
}

/** A SPDY/3.1 upgrade on the unix socket; resolves with the connection and the agreed protocol. */
export function spdyUpgrade(socketPath: string, path: string, protocols: string[]): Promise<{ conn: SpdyConnection; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': protocols, 'content-length': '0' } });
    req.on('upgrade', (res, socket, head) => {
      const conn = new SpdyConnection(socket);
      conn.feed(head);
      resolve({ conn, protocol: String(res.headers['x-stream-protocol-version'] ?? '') });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body.trim()}`)));
    });
    req.on('error', reject);
    req.end();
  });
}

const collect = (s: Duplex) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

/** Exec over SPDY v4 as kubectl's fallback does it: streams error, stdin, stdout, stderr. */
export async function spdyExec(conn: SpdyConnection, o: { stdin?: string }): Promise<ChannelResult> {
  const open = (t: string) => conn.openStream({ streamtype: [t] });
  const error = open('error');
  const stdin = o.stdin !== undefined ? open('stdin') : undefined;
  const stdout = open('stdout');
  const stderr = open('stderr');
  const streams = [error, stdin, stdout, stderr].filter((s): s is SpdyStream => !!s);
  await Promise.all(streams.map((s) => s.replied));
  if (stdin) stdin.end(o.stdin);
  const [status, out, err] = await Promise.all([collect(error), collect(stdout), collect(stderr)]);
  conn.close();
  return { stdout: out, stderr: err, status: status ? JSON.parse(status) : undefined };
}

/** One port-forward connection over a SPDY connection: writes `send`, half-closes, reads to the end. */
export async function spdyForward(conn: SpdyConnection, port: number, requestId: number, send: string): Promise<{ data: string; error: string }> {
  const headers = (t: string) => ({ streamtype: [t], port: [String(port)], requestid: [String(requestId)] });
  const error = conn.openStream(headers('error'));
  const data = conn.openStream(headers('data'));
  await Promise.all([error.replied, data.replied]);
  data.end(send);
  const [d, e] = await Promise.all([collect(data), collect(error)]);
  return { data: d, error: e };
}

/**
 * kubectl ≥ 1.31's port-forward: SPDY inside websocket binary messages. The ws package will not
 * offer a subprotocol with a "/" in it (not an RFC 7230 token), so this client makes the handshake
 * and the (masked) frames itself, as Go's websocket client does.
 */
export function tunneledSpdy(socketPath: string, path: string): Promise<SpdyConnection> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      path,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' },
    });
    req.on('upgrade', (res, socket, head) => {
      if (res.headers['sec-websocket-protocol'] !== 'SPDY/3.1+portforward.k8s.io') return reject(new Error(`server chose ${res.headers['sec-websocket-protocol']}`));
      const conn = new SpdyConnection(websocketBytes(socket, head));
      resolve(conn);
    });
    req.on('response', (res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The payload bytes of binary messages as a stream; writes go out as masked binary messages. */
function websocketBytes(socket: Duplex, head: Buffer): Duplex {
  let buffered = head;
  const bytes = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      const mask = randomBytes(4);
      const len = chunk.length;
      const header = len < 126 ? Buffer.from([0x82, 0x80 | len]) : len < 65536 ? Buffer.from([0x82, 0x80 | 126, len >> 8, len & 0xff]) : Buffer.concat([Buffer.from([0x82, 0x80 | 127]), u64(len)]);
      const masked = Buffer.from(chunk.map((b, i) => b ^ mask[i % 4]!));
      socket.write(Buffer.concat([header, mask, masked]), cb);
    },
    final(cb) {
      socket.end(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]), cb);
    },
  });
  const parse = () => {
    for (;;) {
      if (buffered.length < 2) return;
      const op = buffered[0]! & 0x0f;
      let len = buffered[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buffered.length < 4) return;
        len = buffered.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buffered.length < 10) return;
        len = Number(buffered.readBigUInt64BE(2));
        off = 10;
      }
      if (buffered.length < off + len) return;
      const payload = buffered.subarray(off, off + len);
      buffered = buffered.subarray(off + len);
      if (op === 0x2 || op === 0x0) bytes.push(payload);
      else if (op === 0x8) bytes.push(null);
    }
  };
  socket.on('data', (c: Buffer) => {
    buffered = Buffer.concat([buffered, c]);
    parse();
  });
  socket.on('close', () => bytes.push(null));
  parse();
  return bytes;
}

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
