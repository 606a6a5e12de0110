// gRPC over one HTTP/2 connection to one etcd member: the backend's hot path (Range, Txn, Watch) and
// the cold admin calls (membership, Status, the Snapshot stream: etcd-admin.ts).
//
// Why not grpc-js here: a create on etcd is one Txn plus one watch event, and the API server's main
// thread is what limits writes on etcd. Through grpc-js (its stack of interceptors, filters, resolving
// and load-balancing calls around Node's http2) the two cost 580-660 µs of CPU in a cold process at 32
// in flight; sent and read directly over node:http2 here, 310-330 µs, with 1.6x the creates per second
// (`node dist/bench/datastore-etcd.js 5000`, etcd 3.4 on 127.0.0.1). gRPC's wire format for what etcd
// needs is small: a 5-byte prefix per message, a few request headers, the status in the trailers.
// The admin calls ride here too so that one etcd has one gRPC stack (grpc-js also warned DEP0123
// for every IP-address member it reached over TLS, as it sets the IP as the TLS server name).
//
// Failure semantics match what failure.ts needs: `notSent` is true only when no HTTP/2 stream was ever
// opened for the call (no connection, or the member refused the stream), so a write that failed that
// way certainly did not apply.
import http2 from 'node:http2';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { EtcdEndpoint } from './endpoints.js';
import type { TlsMaterial } from './tls-files.js';

/** gRPC status codes by number (the names failure.ts and the callers match on). */
const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];
export const statusName = (code: number) => STATUS_NAMES[code] ?? String(code);

/** A failed call as the transport saw it; EtcdClient turns it into an EtcdError. */
export interface CallFailure {
  code: string;
  details: string;
  notSent: boolean;
}

const failure = (code: string, details: string, notSent = false): CallFailure => ({ code, details, notSent });
const isFailure = (x: object): x is CallFailure => 'notSent' in x;

// A LIST of a big namespace is one message (etcd allows 2 GiB); these bound what one answer may be.
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;
// A window this large lets a 15 MB Range arrive without waiting on WINDOW_UPDATE round trips.
const WINDOW_BYTES = 32 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 5_000;
// grpc-js's defaults (2 minutes between reconnects) suit a WAN; an etcd restart takes seconds.
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 2_000;
// Finds a half-open connection (member host gone) under a long-lived watch; etcd allows pings every 5 s.
const KEEPALIVE_MS = 30_000;
const KEEPALIVE_TIMEOUT_MS = 10_000;

/** Prefixes one encoded message with gRPC's frame header: not compressed, 4-byte length. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Splits a byte stream into gRPC messages, across DATA frames of any size. */
export class Deframer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The whole messages completed by `chunk`; throws on a compressed or oversized one. */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: Buffer[] = [];
    while (this.pendingBytes >= 5) {
      const head = this.pending[0]!.length >= 5 ? this.pending[0]! : this.flatten();
      if (head[0] !== 0) throw new Error('compressed gRPC message (not requested)');
      const length = head.readUInt32BE(1);
      if (length > MAX_MESSAGE_BYTES) throw new Error(`gRPC message of ${length} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`);
      if (this.pendingBytes < 5 + length) break;
      const buf = this.pending.length === 1 ? this.pending[0]! : this.flatten();
      out.push(buf.subarray(5, 5 + length));
      const rest = buf.subarray(5 + length);
      this.pending = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    return out;
  }

  private flatten(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [all];
    return all;
  }
}

/** The gRPC status a finished stream carried (trailers, or headers of a trailers-only answer). */
function statusOf(headers: http2.IncomingHttpHeaders | undefined): CallFailure | 'ok' | undefined {
  const raw = headers?.['grpc-status'];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === 0) return 'ok';
  let details = String(headers!['grpc-message'] ?? '');
  try {
    details = decodeURIComponent(details);
  } catch {
    // Not percent-encoded after all: shown as it came.
  }
  return failure(statusName(code), details);
}

/** What an HTTP status other than 200 means, per gRPC's HTTP/2 mapping (a proxy or a wrong port). */
function httpStatusFailure(status: number): CallFailure {
  const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : status === 404 ? 'UNIMPLEMENTED'
    : [429, 502, 503, 504].includes(status) ? 'UNAVAILABLE' : 'UNKNOWN';
  return failure(code, `HTTP status ${status} from the member (not a gRPC answer)`);
}

/** A stream closed with no status: refused (never processed, per HTTP/2), its connection gone, or cut. */
function closedFailure(stream: http2.ClientHttp2Stream, session: http2.ClientHttp2Session, streamError?: string, sessionError?: string): CallFailure {
  if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) return failure('UNAVAILABLE', 'Stream refused by server', true);
  if (streamError) return failure('UNAVAILABLE', streamError);
  // Node cancels (code 8) every stream of a session whose socket closed: the member went away, it
  // reset nothing. (stream.session is already unset by then, hence the session captured at the start.)
  // (Not surely unsent even when the member's SETTINGS never arrived: a server may read a stream
  // before its SETTINGS have left it.)
  if (session.destroyed) return failure('UNAVAILABLE', sessionError ?? 'the member closed the connection');
  return failure('UNAVAILABLE', stream.rstCode ? `stream reset by the member (HTTP/2 code ${stream.rstCode})` : 'Connection dropped');
}

export interface MessageStream {
  write(message: Uint8Array): void;
  /** Half-closes: no more requests (a server-streaming call after its one request). */
  end(): void;
  /** Stops reading: once the stream's buffer fills, HTTP/2 flow control stops the member sending. */
  pause(): void;
  resume(): void;
  /** Ends the call from this side; no more events after. */
  cancel(): void;
}

/** How a call's answer is read off the wire (consume). */
interface RawHandlers {
  onMessage(message: Buffer): void;
  /** Once, when the call ends for any reason but cancel(): with the failure, or undefined for OK. */
  onEnd(failure: CallFailure | undefined): void;
}

/** A stream's messages as its caller wants them: a message that does not decode ends the call. */
export interface StreamHandlers<T> extends Omit<RawHandlers, 'onMessage'> {
  parse(message: Buffer): T;
  onMessage(message: T): void;
}

export class GrpcChannel {
  /** The connection calls go out on, once connected; cleared when it closes or is told to go away. */
  private ready?: http2.ClientHttp2Session;
  private connecting?: Promise<http2.ClientHttp2Session>;
  /** Why the last connection failed or closed; calls before retryAt fail at once with it. */
  private lastError?: string;
  private retryAt = 0;
  private backoffMs = BACKOFF_FIRST_MS;
  /** Calls and streams in flight: keepalive pings only while there are some. */
  private inFlight = 0;
  private closed = false;
  private readonly sessions = new Set<http2.ClientHttp2Session>();
  /** What each session failed with, if it said: "The session has been destroyed" tells an operator nothing. */
  private readonly sessionErrors = new WeakMap<http2.ClientHttp2Session, string>();

  constructor(
    readonly endpoint: EtcdEndpoint,
    private readonly tls: TlsMaterial,
  ) {}

  /** The connected session, connecting if needed; rejects (never sent) while the member is down. */
  private connect(): Promise<http2.ClientHttp2Session> {
    if (this.closed) return Promise.reject(failure('CANCELLED', 'client closed', true));
    if (this.ready) return Promise.resolve(this.ready);
    if (this.connecting) return this.connecting;
    if (Date.now() < this.retryAt) return Promise.reject(failure('UNAVAILABLE', `no connection: ${this.lastError}`, true));
    const url = `${this.endpoint.tls ? 'https' : 'http'}://${this.endpoint.address}`;
    const session: http2.ClientHttp2Session = http2.connect(url, {
      ...(this.endpoint.tls ? { createConnection: () => this.tlsSocket(() => session) } : {}),
      settings: { initialWindowSize: WINDOW_BYTES },
      // Node's default (10 MB of buffered frames per session) would refuse streams during one big list.
      maxSessionMemory: 1024,
    });
    this.sessions.add(session);
    const connecting = new Promise<http2.ClientHttp2Session>((resolve, reject) => {
      const timer = setTimeout(() => session.destroy(new Error(`connect timed out after ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      session.once('connect', () => {
        clearTimeout(timer);
        session.setLocalWindowSize(WINDOW_BYTES);
        this.backoffMs = BACKOFF_FIRST_MS;
        if (this.connecting === connecting) {
          this.connecting = undefined;
          this.ready = session;
        }
        this.startKeepalive(session);
        // Like grpc-js: only calls in flight keep the process alive, not an idle connection.
        if (this.inFlight === 0) session.unref();
        resolve(session);
      });
      session.on('error', (err) => {
        this.sessionErrors.set(session, err.message);
      });
      session.once('close', () => {
        clearTimeout(timer);
        this.sessions.delete(session);
        // A member that exits closes its connections cleanly: no error event, but still a reason.
        const why = this.sessionErrors.get(session) ?? 'the member closed the connection';
        if (this.connecting === connecting || this.ready === session) {
          this.connecting = undefined;
          this.ready = undefined;
          this.lastError = why;
          this.retryAt = Date.now() + this.backoffMs;
          this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
        }
        reject(failure('UNAVAILABLE', `no connection: ${why}`, true));
      });
      // GOAWAY: no new streams here; the calls in flight finish, the next call connects anew.
      session.once('goaway', () => {
        if (this.ready === session) this.ready = undefined;
      });
    });
    // A failed connect is reported to the calls waiting on it; nobody else needs to hear of it.
    connecting.catch(() => {});
    this.connecting = connecting;
    return connecting;
  }

  /** The TLS connection to the member, owned here: a member that refuses our certificate does so after
   *  the handshake (TLS 1.3), and Node's http2 then leaves the session destroyed but never closed,
   *  its socket open, and the alert unreported. Ending the socket ourselves closes the session. */
  private tlsSocket(session: () => http2.ClientHttp2Session): tls.TLSSocket {
    const { hostname } = this.endpoint;
    const port = Number(this.endpoint.address.slice(this.endpoint.address.lastIndexOf(':') + 1));
    const socket = tls.connect({
      host: hostname,
      port,
      // SNI only for names (RFC 6066); the certificate is still checked against an IP address.
      ...(isIP(hostname) ? {} : { servername: hostname }),
      ALPNProtocols: ['h2'],
      ca: this.tls.ca,
      cert: this.tls.cert,
      key: this.tls.key,
    });
    socket.on('error', (err) => {
      const s = session();
      if (!this.sessionErrors.has(s)) this.sessionErrors.set(s, err.message);
      socket.destroy();
    });
    return socket;
  }

  private startKeepalive(session: http2.ClientHttp2Session): void {
    const timer = setInterval(() => {
      // Idle connections are left alone (etcd would call frequent idle pings abuse).
      if (session.destroyed || this.inFlight === 0) return;
      const deadline = setTimeout(() => session.destroy(new Error('keepalive ping not answered')), KEEPALIVE_TIMEOUT_MS);
      session.ping((err) => {
        clearTimeout(deadline);
        if (err && !session.destroyed) session.destroy(err);
      });
    }, KEEPALIVE_MS);
    timer.unref();
    session.once('close', () => clearInterval(timer));
  }

  private headers(path: string, timeoutMs?: number): http2.OutgoingHttpHeaders {
    return {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      // etcd stops working on a call whose caller gave up (and answers DEADLINE_EXCEEDED itself).
      ...(timeoutMs !== undefined ? { 'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs))}m` } : {}),
    };
  }

  /** Opens a stream on the session, or fails (never sent) if the session cannot take one any more. */
  private request(session: http2.ClientHttp2Session, path: string, timeoutMs?: number): http2.ClientHttp2Stream | CallFailure {
    try {
      return session.request(this.headers(path, timeoutMs));
    } catch (err) {
      // The session closed or went away between connect and here: nothing was sent.
      if (this.ready === session) this.ready = undefined;
      return failure('UNAVAILABLE', `no connection: ${this.sessionErrors.get(session) ?? (err as Error).message}`, true);
    }
  }

  /** One request message, one response message, decoded by `parse`. Rejects with a CallFailure. */
  unary<T>(path: string, request: Uint8Array, timeoutMs: number, parse: (answer: Buffer) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let message: Buffer | undefined;
      let stream: http2.ClientHttp2Stream | undefined;
      let done = false;
      const finish = (err: CallFailure | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) return reject(err);
        if (!message) return reject(failure('INTERNAL', 'the member answered OK without a message'));
        try {
          resolve(parse(message));
        } catch (e) {
          reject(failure('INTERNAL', `cannot decode the answer to ${path}: ${(e as Error).message}`));
        }
      };
      const timer = setTimeout(() => {
        stream?.close(http2.constants.NGHTTP2_CANCEL);
        finish(failure('DEADLINE_EXCEEDED', `Deadline exceeded after ${timeoutMs} ms${stream ? '' : ' waiting for a connection'}`, !stream));
      }, timeoutMs);
      const send = (session: http2.ClientHttp2Session) => {
        if (done) return;
        const s = this.request(session, path, timeoutMs);
        if (isFailure(s)) return finish(s);
        stream = s;
        this.consume(s, { onMessage: (m) => (message ??= m), onEnd: finish });
        s.end(frame(request));
      };
      if (this.ready) send(this.ready);
      else this.connect().then(send, finish);
    });
  }

  /** A streaming call (Watch, Snapshot): messages both ways until either side ends it. Rejects with a CallFailure. */
  async openStream<T>(path: string, handlers: StreamHandlers<T>): Promise<MessageStream> {
    const session = await this.connect();
    const stream = this.request(session, path);
    if (isFailure(stream)) throw stream;
    let cancelled = false;
    this.consume(stream, {
      onMessage: (m) => {
        if (cancelled) return;
        let message: T;
        try {
          message = handlers.parse(m);
        } catch (e) {
          cancelled = true;
          stream.close(http2.constants.NGHTTP2_CANCEL);
          return handlers.onEnd(failure('INTERNAL', `cannot decode a message of ${path}: ${(e as Error).message}`));
        }
        handlers.onMessage(message);
      },
      onEnd: (f) => !cancelled && handlers.onEnd(f),
    });
    return {
      write: (message) => {
        if (!stream.destroyed && !stream.closed) stream.write(frame(message));
      },
      end: () => {
        if (!stream.destroyed && !stream.closed && !stream.writableEnded) stream.end();
      },
      pause: () => stream.pause(),
      resume: () => stream.resume(),
      cancel: () => {
        cancelled = true;
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      },
    };
  }

  /** Reads a call's answer: messages as they complete, then its status, reported once via onEnd. */
  private consume(stream: http2.ClientHttp2Stream, h: RawHandlers): void {
    const session = stream.session as http2.ClientHttp2Session;
    if (this.inFlight++ === 0) session.ref();
    const deframer = new Deframer();
    let status: CallFailure | 'ok' | undefined;
    let streamError: string | undefined;
    let ended = false;
    const end = (f: CallFailure | undefined) => {
      if (ended) return;
      ended = true;
      h.onEnd(f);
    };
    stream.on('response', (headers) => {
      const http = Number(headers[':status']);
      status = http === 200 ? statusOf(headers) : httpStatusFailure(http);
    });
    stream.on('data', (chunk: Buffer) => {
      if (ended) return;
      let messages: Buffer[];
      try {
        messages = deframer.push(chunk);
      } catch (err) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        return end(failure('INTERNAL', (err as Error).message));
      }
      for (const m of messages) h.onMessage(m);
    });
    stream.on('trailers', (trailers) => {
      status = statusOf(trailers) ?? status;
    });
    stream.on('error', (err) => {
      streamError = err.message;
    });
    const report = () => {
      if (status === 'ok') return end(undefined);
      if (status) return end(status);
      end(closedFailure(stream, session, streamError, this.sessionErrors.get(session)));
    };
    // The member ended its side (status in the trailers): the call is over even while our side of a
    // stream is still open, which would otherwise keep it from closing.
    stream.on('end', () => {
      report();
      // (A unary call has ended its side already; a reset there would be one more frame each way.)
      if (!stream.writableEnded && !stream.closed) stream.close();
    });
    stream.on('close', () => {
      if (--this.inFlight === 0) for (const s of this.sessions) s.unref();
      report();
    });
  }

  /** New calls fail; calls in flight finish (the backend cancels its watches first). */
  close(): void {
    this.closed = true;
    for (const s of this.sessions) {
      if (s.connecting) s.destroy();
      else s.close();
    }
    this.sessions.clear();
    this.ready = undefined;
    this.connecting = undefined;
  }
}
