// A small etcd v3 client on the project's gRPC stack: unary KV/Maintenance calls with deadlines and
// raw Watch streams, over one channel per cluster member. The backend decides what the calls mean;
// this file only knows how to reach a member and how to move to the next when one is down.
//
// Failover: calls go to the "active" member; UNAVAILABLE moves it on. Reads are retried on the next
// member at once. Writes only when the call certainly never reached a member (failure.ts): a write
// whose connection dropped may have committed, and replaying a create would then report a false
// KeyExists — the caller sees the error and decides.
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { displayEndpoints, type EtcdEndpoint } from './endpoints.js';
import { ETCD_PROTO } from './etcd-proto.js';
import type { TlsMaterial } from './tls-files.js';
import type { EtcdKeyValue, RangeRequest, RangeResponse, StatusResponse, TxnRequest, TxnResponse, WatchRequest, WatchResponse } from './etcd-messages.js';

/** grpc-js connection errors span lines and carry timestamps and OpenSSL internals; an operator
 *  needs one line with the reason ("TLS handshake failed: sslv3 alert bad certificate"). */
export function oneLine(details: string): string {
  let text = details
    .replace(/\s+/g, ' ')
    .replace(/ ?\(\d{4}-\d\d-\d\dT[^)]*\)/g, '')
    .replace(/\.? ?Resolution note: ?$/, '')
    .trim();
  const ssl = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(text);
  if (ssl) return `TLS handshake failed: ${ssl[1]!.trim()}`;
  text = text.replace(/^No connection established\. Last error: null$/, 'no connection (member down or restarting)');
  return text.replace(/^No connection established\. Last error: (Error: )?/, 'no connection: ');
}

/** From grpc-js's own wording, whether a failed call certainly never reached etcd. It fails with "No
 *  connection established" when the channel was in TRANSIENT_FAILURE, with a deadline "Waiting for LB
 *  pick" when no HTTP/2 stream was ever opened, and with "Stream refused by server" on REFUSED_STREAM
 *  (HTTP/2 promises the server did not process it). A deadline that names remote_addr had a stream. */
export function neverSent(code: string, rawDetails: string): boolean {
  if (code === 'UNAVAILABLE') return /^(\w+: )?No connection established/.test(rawDetails) || rawDetails === 'Stream refused by server';
  if (code === 'DEADLINE_EXCEEDED') return rawDetails.includes('Waiting for LB pick') && !rawDetails.includes('remote_addr=');
  return false;
}

/** A failed etcd call: the gRPC status name and etcd's own message, with the member it went to. */
export class EtcdError extends Error {
  readonly details: string;
  /** The call never reached the member (no connection, stream refused): nothing was applied. */
  readonly notSent: boolean;
  constructor(
    readonly code: string,
    details: string,
    readonly endpoint: string,
  ) {
    const line = oneLine(details);
    super(`etcd ${endpoint}: ${line || code}`);
    this.name = 'EtcdError';
    this.details = line;
    this.notSent = neverSent(code, details);
  }
}

// etcd reports these as OUT_OF_RANGE with fixed texts (mvcc.ErrCompacted / ErrFutureRev).
export const isCompactedError = (err: unknown) => err instanceof EtcdError && err.details.includes('required revision has been compacted');
export const isFutureRevisionError = (err: unknown) => err instanceof EtcdError && err.details.includes('required revision is a future revision');
const isUnavailable = (err: unknown) => err instanceof EtcdError && (err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED');

interface Services {
  KV: grpc.ServiceClientConstructor;
  Watch: grpc.ServiceClientConstructor;
  Maintenance: grpc.ServiceClientConstructor;
}
let services: Services | undefined;
function loadServices(): Services {
  if (!services) {
    const root = protobuf.parse(ETCD_PROTO).root;
    // bytes as Buffers (keys and values are bytes to etcd), 64-bit revisions as numbers (< 2^53).
    const definition = fromJSON(root.toJSON(), { longs: Number, enums: String, bytes: Buffer, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition).etcdserverpb as grpc.GrpcObject;
    services = { KV: pkg.KV as grpc.ServiceClientConstructor, Watch: pkg.Watch as grpc.ServiceClientConstructor, Maintenance: pkg.Maintenance as grpc.ServiceClientConstructor };
  }
  return services;
}

const statusNames = Object.fromEntries(Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // A list of a big namespace comes back in one message; etcd's own send limit is 2 GiB.
  'grpc.max_receive_message_length': 512 * 1024 * 1024,
  // grpc-js waits up to 2 minutes between reconnects by default; an etcd restart takes seconds.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2000,
  // Finds a half-open connection (member host gone) under a long-lived watch. etcd allows pings every 5 s.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

interface Member {
  endpoint: EtcdEndpoint;
  kv: grpc.Client;
  watch: grpc.Client;
  maintenance: grpc.Client;
}

type UnaryMethod = (req: object, options: grpc.CallOptions, cb: grpc.requestCallback<unknown>) => void;

export interface EtcdClientOptions {
  endpoints: EtcdEndpoint[];
  tls: TlsMaterial;
  /** Bounds every unary call. */
  callTimeoutMs?: number;
}

export class EtcdClient {
  private readonly members: Member[];
  private active = 0;
  private readonly callTimeoutMs: number;
  readonly display: string;

  constructor(opts: EtcdClientOptions) {
    const { KV, Watch, Maintenance } = loadServices();
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000;
    this.display = displayEndpoints(opts.endpoints);
    this.members = opts.endpoints.map((endpoint) => {
      const credentials = endpoint.tls
        ? grpc.credentials.createSsl(opts.tls.ca ?? null, opts.tls.key ?? null, opts.tls.cert ?? null)
        : grpc.credentials.createInsecure();
      // Clients with the same target, credentials and options share one connection in grpc-js.
      return {
        endpoint,
        kv: new KV(endpoint.address, credentials, CHANNEL_OPTIONS),
        watch: new Watch(endpoint.address, credentials, CHANNEL_OPTIONS),
        maintenance: new Maintenance(endpoint.address, credentials, CHANNEL_OPTIONS),
      };
    });
  }

  /** The member calls go to now. */
  get activeEndpoint(): string {
    return this.members[this.active]!.endpoint.url;
  }

  private call<T>(member: Member, service: 'kv' | 'maintenance', method: string, request: object, timeoutMs?: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + (timeoutMs ?? this.callTimeoutMs));
      const fn = (member[service] as unknown as Record<string, UnaryMethod>)[method]!.bind(member[service]);
      fn(request, { deadline }, (err, response) => {
        if (err) {
          const error = new EtcdError(statusNames[err.code] ?? String(err.code), err.details, member.endpoint.url);
          if (isUnavailable(error)) this.moveOn(member);
          reject(error);
        } else resolve(response as T);
      });
    });
  }

  /** After a member failed: the next call goes to the next one (unless another call moved on already). */
  moveOn(failed: Member | string): void {
    const url = typeof failed === 'string' ? failed : failed.endpoint.url;
    if (this.members[this.active]!.endpoint.url === url) this.active = (this.active + 1) % this.members.length;
  }

  /** Reads are safe to repeat, so an unreachable member costs one retry per member, not an error. */
  private async read<T>(service: 'kv' | 'maintenance', method: string, request: object, timeoutMs?: number): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.members.length; attempt++) {
      try {
        return await this.call<T>(this.members[this.active]!, service, method, request, timeoutMs);
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  range(request: RangeRequest): Promise<RangeResponse> {
    return this.read('kv', 'Range', request);
  }

  /** Retried on the next member only when it never left this process: see the note at the top. */
  async txn(request: TxnRequest): Promise<TxnResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call<TxnResponse>(this.members[this.active]!, 'kv', 'Txn', request);
      } catch (err) {
        if (!(err instanceof EtcdError && err.notSent) || attempt >= this.members.length) throw err;
      }
    }
  }

  deleteRange(request: { key: Buffer; rangeEnd?: Buffer; prevKv?: boolean }): Promise<{ header: { revision: number }; deleted: number; prevKvs: EtcdKeyValue[] }> {
    return this.call(this.members[this.active]!, 'kv', 'DeleteRange', request);
  }

  compact(revision: number, timeoutMs?: number): Promise<unknown> {
    // physical: the call returns once the old revisions are gone, so "compacted" means what it says.
    return this.read('kv', 'Compact', { revision, physical: true }, timeoutMs);
  }

  /** Asks one member directly (startup checks every member's reachability in turn). */
  status(timeoutMs?: number): Promise<StatusResponse> {
    return this.read('maintenance', 'Status', {}, timeoutMs);
  }

  /** A raw Watch stream to the active member; the caller writes create requests and reads responses. */
  openWatchStream(): { stream: grpc.ClientDuplexStream<WatchRequest, WatchResponse>; endpoint: string } {
    const member = this.members[this.active]!;
    const stream = (member.watch as unknown as { Watch(): grpc.ClientDuplexStream<WatchRequest, WatchResponse> }).Watch();
    return { stream, endpoint: member.endpoint.url };
  }

  /** Maps a stream's error the way unary errors are mapped. */
  streamError(err: grpc.ServiceError, endpoint: string): EtcdError {
    const error = new EtcdError(statusNames[err.code] ?? String(err.code), err.details, endpoint);
    if (isUnavailable(error)) this.moveOn(endpoint);
    return error;
  }

  close(): void {
    for (const m of this.members) {
      m.kv.close();
      m.watch.close();
      m.maintenance.close();
    }
  }
}
