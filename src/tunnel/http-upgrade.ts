// One HTTP request that asks to switch protocols (SPDY/3.1 or websocket), over a TCP connection or
// any stream (a tunnel stream to a kubelet). Either the peer switches (101: the socket is now the
// new protocol's) or it answers with an error, whose text is read so it can be shown to the user.
import { request, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

export interface UpgradeRequest {
  /** http://host:port/path?query, or just the path with `connection`. */
  url: string;
  method: string;
  headers: OutgoingHttpHeaders;
  /** A ready stream to send the request on (then `url` is only its path). */
  connection?: Duplex;
  timeoutMs?: number;
}

export type UpgradeResult =
  | { upgraded: true; response: IncomingMessage; socket: Duplex; head: Buffer }
  | { upgraded: false; status: number; headers: IncomingHttpHeaders; body: string };

/** Error answers are read up to this size; the rest is not worth showing. */
const MAX_ERROR_BODY = 64 * 1024;

export function requestUpgrade(r: UpgradeRequest): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const target = r.connection ? new URL(r.url, 'http://stream') : new URL(r.url);
    const req = request({
      // An agent would ignore createConnection; a fresh socket per upgrade needs no pooling anyway.
      ...(r.connection ? { createConnection: () => r.connection as never } : { host: target.hostname, port: target.port || 80, agent: false }),
      path: `${target.pathname}${target.search}`,
      method: r.method,
      // A POST without a body must say so, or Node would announce a chunked body and its final
      // empty chunk would land in the switched protocol.
      headers: { ...r.headers, 'content-length': '0' },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${r.timeoutMs} ms`)), r.timeoutMs ?? 30_000);
    timer.unref();
    req.on('upgrade', (response, socket, head) => {
      clearTimeout(timer);
      resolve({ upgraded: true, response, socket, head });
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(c);
        size += c.length;
      });
      const done = () => resolve({ upgraded: false, status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY) });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** The 101 answer as received, to relay to the client that asked through us. */
export function switchingProtocolsHead(res: IncomingMessage): Buffer {
  const lines = [`HTTP/1.1 101 ${res.statusMessage || STATUS_CODES[101]}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Joins two byte streams both ways. A side that ends cleanly half-closes the other once everything
 * it sent is written there; only a side that fails or is cut off takes the other down at once
 * (destroying earlier would throw away the last output still queued, as a runtime closes right
 * after its final Status).
 */
export function splice(a: Duplex, b: Duplex): Promise<void> {
  return new Promise((resolve) => {
    // One side already gone (a client that hung up while we waited): nothing to join.
    if (a.destroyed || b.destroyed) {
      a.destroy();
      b.destroy();
      return resolve();
    }
    let open = 2;
    const closed = () => {
      if (--open === 0) resolve();
    };
    a.pipe(b);
    b.pipe(a);
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
    const follow = (src: Duplex, dst: Duplex) => () => {
      closed();
      if (!src.readableEnded) return void dst.destroy();
      if (dst.writableFinished) dst.destroy();
      else dst.once('finish', () => dst.destroy()).once('error', () => dst.destroy());
    };
    a.on('close', follow(a, b));
    b.on('close', follow(b, a));
  });
}

/** A plain HTTP answer on a socket that asked to switch protocols and will not. */
export function refuseUpgrade(socket: Duplex, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (!socket.writable) return void socket.destroy();
  const bytes = Buffer.from(body, 'utf8');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n\r\n${body}`);
}
