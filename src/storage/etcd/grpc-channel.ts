// gRPC over one HTTP/2 connection to one etcd member: the backend's hot path (Range, Txn, Watch) and
// the cold admin calls (membership, Status, the Snapshot stream: etcd-admin.ts).
//
// Why not grpc-js, nor node:http2: a create on etcd is one Txn plus one watch event, and the API
// server's main thread is what limits writes on etcd. Through grpc-js (its stack of interceptors,
// filters, resolving and load-balancing calls around Node's http2) the two cost 580-660 µs of CPU at
// 32 in flight; over node:http2 directly 310-330 µs, of which http2.request() alone was 50-70 µs per
// call. Over the HTTP/2 client in h2/ a call is one buffer out and a few small objects in. gRPC's
// wire format for what etcd needs is small: a 5-byte prefix per message, a few request headers, the
// status in the trailers. The admin calls ride here too so that one etcd has one gRPC stack.
//
// Failure semantics match what failure.ts needs: `notSent` is true only when the call surely never
// reached the member: no connection, a stream refused (REFUSED_STREAM), or one past the last the
// member said it processed when it went away (GOAWAY).
import net from 'node:net';
import tls from 'node:tls';
import { H2Connection, type H2Stream, type StreamEnd, type Transport } from './h2/connection.js';
import { ErrorCode, errorName } from './h2/frames.js';
import { encodeHeaders, type HeaderList } from './h2/hpack.js';
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

/** A header's value in a decoded block (names arrive lowercase). */
function headerValue(fields: HeaderList, name: string): string | undefined {
  for (const [n, v] of fields) if (n === name) return v;
  return undefined;
}

/** The gRPC status a header block carried (trailers, or the headers of a trailers-only answer). */
function statusOf(fields: HeaderList): CallFailure | 'ok' | undefined {
  const raw = headerValue(fields, 'grpc-status');
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === 0) return 'ok';
  let details = headerValue(fields, 'grpc-message') ?? '';
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

/** A stream that ended without the peer's answer: refused or unprocessed (surely not applied), reset, or cut. */
function lostFailure(end: Exclude<StreamEnd, { kind: 'ended' }>): CallFailure {
  if (end.kind === 'lost') return failure('UNAVAILABLE', end.reason, end.unprocessed);
  if (end.code === ErrorCode.RefusedStream) return failure('UNAVAILABLE', 'Stream refused by server', true);
  return failure('UNAVAILABLE', `stream reset by the member: ${errorName(end.code)}`);
}

export interface MessageStream {
  write(message: Uint8Array): void;
  /** Half-closes: no more requests (a server-streaming call after its one request). */
  end(): void;
  /** Stops reading: the stream's window is not given back while paused, so the member stops sending. */
  pause(): void;
  resume(): void;
  /** Ends the call from this side; no more events after. */
  cancel(): void;
}

/** How a call's answer is read off the wire (open). */
interface RawHandlers {
  onMessage(message: Buffer): void;
  /** Once, when the call ends for any reason but cancel(): with the failure, or undefined for OK. */
  onEnd(failure: CallFailure | undefined): void;
}

/** A stream's messages as its caller wants them: a message that does not decode ends the call. */
export interface StreamHandlers<T> extends Omit<RawHandlers, 'onMessage'> {
  parse(message: Buffer): T;
  onMessage(message: T): void;
  /** Parse and hand over messages a turn of the event loop later (in order, the end after them):
   *  for a stream whose messages arrive in the same read as unary answers that should go first. */
  deferred?: boolean;
}

/** A call in flight: its stream, and how to end it from this side. */
interface Call {
  stream: H2Stream;
  cancel(): void;
}

export class GrpcChannel {
  /** The connection calls go out on, once connected; cleared when it closes or is told to go away. */
  private ready?: H2Connection;
  /** The connection being made, and the promise the calls waiting for it share. */
  private connecting?: { conn: H2Connection; promise: Promise<H2Connection> };
  /** Why the last connection failed or closed; calls before retryAt fail at once with it. */
  private lastError?: string;
  private retryAt = 0;
  private backoffMs = BACKOFF_FIRST_MS;
  /** Calls and streams in flight: keepalive pings, and a hold on the process, only while there are some. */
  private inFlight = 0;
  private closed = false;
  private readonly connections = new Set<H2Connection>();
  /** Encoded request headers by path and deadline: the same few, call after call. */
  private readonly headerBlocks = new Map<string, Buffer>();

  constructor(
    readonly endpoint: EtcdEndpoint,
    private readonly tls: TlsMaterial,
  ) {}

  private get port(): number {
    return Number(this.endpoint.address.slice(this.endpoint.address.lastIndexOf(':') + 1));
  }

  /** The connection, connecting if needed; rejects (never sent) while the member is down. */
  private connect(): Promise<H2Connection> {
    if (this.closed) return Promise.reject(failure('CANCELLED', 'client closed', true));
    if (this.ready) return Promise.resolve(this.ready);
    if (this.connecting) return this.connecting.promise;
    if (Date.now() < this.retryAt) return Promise.reject(failure('UNAVAILABLE', `no connection: ${this.lastError}`, true));
    const secure = this.endpoint.tls;
    const socket: Transport & net.Socket = secure ? this.tlsSocket() : net.connect({ host: this.endpoint.hostname, port: this.port });
    socket.setNoDelay(true);
    let conn!: H2Connection;
    const promise = new Promise<H2Connection>((resolve, reject) => {
      const timer = setTimeout(() => conn.destroy(`connect timed out after ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS);
      conn = new H2Connection(socket, {
        windowBytes: WINDOW_BYTES,
        // GOAWAY: no new streams here; the calls in flight finish, the next call connects anew.
        onGoaway: () => {
          if (this.ready === conn) this.ready = undefined;
        },
        onClose: (why) => {
          clearTimeout(timer);
          this.connections.delete(conn);
          if (this.connecting?.conn === conn || this.ready === conn) {
            this.connecting = undefined;
            this.ready = undefined;
            this.lastError = why;
            this.retryAt = Date.now() + this.backoffMs;
            this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
          }
          reject(failure('UNAVAILABLE', `no connection: ${why}`, true));
        },
      });
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        if (secure && (socket as tls.TLSSocket).alpnProtocol !== 'h2') return conn.destroy('the member did not agree to HTTP/2 (TLS ALPN)');
        this.backoffMs = BACKOFF_FIRST_MS;
        if (this.connecting?.conn === conn) {
          this.connecting = undefined;
          this.ready = conn;
        }
        this.startKeepalive(conn);
        // Like grpc-js: only calls in flight keep the process alive, not an idle connection.
        if (this.inFlight === 0) conn.unref();
        resolve(conn);
      });
    });
    this.connections.add(conn);
    // A failed connect is reported to the calls waiting on it; nobody else needs to hear of it.
    promise.catch(() => {});
    this.connecting = { conn, promise };
    return promise;
  }

  /** The TLS connection to the member. A member that refuses our certificate does so after the
   *  handshake (TLS 1.3): its alert arrives as the socket's error, which closes the connection with it. */
  private tlsSocket(): tls.TLSSocket {
    const { hostname } = this.endpoint;
    return tls.connect({
      host: hostname,
      port: this.port,
      // SNI only for names (RFC 6066); the certificate is still checked against an IP address.
      ...(net.isIP(hostname) ? {} : { servername: hostname }),
      ALPNProtocols: ['h2'],
      ca: this.tls.ca,
      cert: this.tls.cert,
      key: this.tls.key,
    });
  }

  private startKeepalive(conn: H2Connection): void {
    const timer = setInterval(() => {
      if (conn.destroyed) return clearInterval(timer);
      // Idle connections are left alone (etcd would call frequent idle pings abuse).
      if (this.inFlight === 0) return;
      const deadline = setTimeout(() => conn.destroy('keepalive ping not answered'), KEEPALIVE_TIMEOUT_MS);
      conn.ping(() => clearTimeout(deadline));
    }, KEEPALIVE_MS);
    timer.unref();
  }

  private headerBlock(path: string, timeoutMs?: number): Buffer {
    // etcd stops working on a call whose caller gave up (and answers DEADLINE_EXCEEDED itself).
    const timeout = timeoutMs === undefined ? undefined : `${Math.max(1, Math.ceil(timeoutMs))}m`;
    const key = timeout ? `${path} ${timeout}` : path;
    let block = this.headerBlocks.get(key);
    if (!block) {
      const fields: HeaderList = [
        [':method', 'POST'],
        [':scheme', this.endpoint.tls ? 'https' : 'http'],
        [':path', path],
        [':authority', this.endpoint.address],
        ['content-type', 'application/grpc'],
        ['te', 'trailers'],
      ];
      if (timeout) fields.push(['grpc-timeout', timeout]);
      block = encodeHeaders(fields);
      if (this.headerBlocks.size >= 256) this.headerBlocks.clear();
      this.headerBlocks.set(key, block);
    }
    return block;
  }

  /** Opens a call's stream (with its first message, if given) and reads its answer: messages as they
   *  complete, then its status, reported once via onEnd. Fails (never sent) if the connection cannot
   *  take a stream any more. */
  private open(conn: H2Connection, path: string, h: RawHandlers, timeoutMs?: number, first?: Uint8Array, end = false): Call | CallFailure {
    if (!conn.open) {
      // The connection closed or went away between connect and here: nothing was sent.
      if (this.ready === conn) this.ready = undefined;
      return failure('UNAVAILABLE', `no connection: ${conn.failure ?? 'the member is going away'}`, true);
    }
    if (this.inFlight++ === 0) conn.ref();
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      if (--this.inFlight === 0) for (const c of this.connections) c.unref();
    };
    const deframer = new Deframer();
    let status: CallFailure | 'ok' | undefined;
    let ended = false;
    const finish = (f: CallFailure | undefined) => {
      if (ended) return;
      ended = true;
      release();
      h.onEnd(f);
    };
    const stream: H2Stream = conn.request(this.headerBlock(path, timeoutMs), {
      onHeaders: (fields) => {
        const http = headerValue(fields, ':status');
        if (http === undefined) status = statusOf(fields) ?? status; // trailers
        else if (http === '200') status = statusOf(fields);
        else if (http[0] !== '1') status = httpStatusFailure(Number(http));
      },
      onData: (chunk) => {
        if (ended) return;
        let messages: Buffer[];
        try {
          messages = deframer.push(chunk);
        } catch (err) {
          stream.reset();
          return finish(failure('INTERNAL', (err as Error).message));
        }
        for (const m of messages) {
          if (ended) return;
          h.onMessage(m);
        }
      },
      onEnd: (e) => {
        if (e.kind !== 'ended') return finish(lostFailure(e));
        finish(status === 'ok' ? undefined : (status ?? failure('INTERNAL', 'the member ended the call without a gRPC status')));
      },
    }, first ? frame(first) : undefined, end);
    return {
      stream,
      cancel: () => {
        ended = true;
        release();
        stream.reset();
      },
    };
  }

  /** One request message, one response message, decoded by `parse`. Rejects with a CallFailure. */
  unary<T>(path: string, request: Uint8Array, timeoutMs: number, parse: (answer: Buffer) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let message: Buffer | undefined;
      let call: Call | undefined;
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
        call?.cancel();
        finish(failure('DEADLINE_EXCEEDED', `Deadline exceeded after ${timeoutMs} ms${call ? '' : ' waiting for a connection'}`, !call));
      }, timeoutMs);
      const send = (conn: H2Connection) => {
        if (done) return;
        const c = this.open(conn, path, { onMessage: (m) => (message ??= m), onEnd: finish }, timeoutMs, request, true);
        if (isFailure(c)) return finish(c);
        call = c;
      };
      if (this.ready) send(this.ready);
      else this.connect().then(send, finish);
    });
  }

  /** A streaming call (Watch, Snapshot): messages both ways until either side ends it. Rejects with a CallFailure. */
  async openStream<T>(path: string, handlers: StreamHandlers<T>): Promise<MessageStream> {
    const conn = await this.connect();
    let cancelled = false;
    let call!: Call;
    const deliver = (m: Buffer) => {
      let message: T;
      try {
        message = handlers.parse(m);
      } catch (e) {
        cancelled = true;
        call.cancel();
        return handlers.onEnd(failure('INTERNAL', `cannot decode a message of ${path}: ${(e as Error).message}`));
      }
      handlers.onMessage(message);
    };
    let queued: Buffer[] = [];
    let endAfterQueue: { failure: CallFailure | undefined } | undefined;
    const drain = () => {
      const batch = queued;
      queued = [];
      for (const m of batch) {
        if (cancelled) return;
        deliver(m);
      }
      if (endAfterQueue && !cancelled) handlers.onEnd(endAfterQueue.failure);
    };
    const opened = this.open(conn, path, {
      onMessage: (m) => {
        if (cancelled) return;
        if (!handlers.deferred) return deliver(m);
        if (queued.push(m) === 1) setImmediate(drain);
      },
      onEnd: (f) => {
        if (cancelled) return;
        if (queued.length > 0) endAfterQueue = { failure: f };
        else handlers.onEnd(f);
      },
    });
    if (isFailure(opened)) throw opened;
    call = opened;
    return {
      write: (message) => call.stream.write(frame(message)),
      end: () => call.stream.end(),
      pause: () => call.stream.pause(),
      resume: () => call.stream.resume(),
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
    };
  }

  /** New calls fail; calls in flight finish (the backend cancels its watches first). */
  close(): void {
    this.closed = true;
    for (const c of this.connections) {
      if (c === this.connecting?.conn) c.destroy('client closed');
      else c.close();
    }
    this.connections.clear();
    this.ready = undefined;
    this.connecting = undefined;
  }
}
