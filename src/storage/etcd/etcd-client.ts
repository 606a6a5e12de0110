// A small etcd v3 client: unary KV/Maintenance calls with deadlines and Watch streams, over one
// HTTP/2 connection per cluster member (grpc-channel.ts says why not grpc-js). The backend decides what
// the calls mean; this file only knows how to reach a member and how to move to the next when one is down.
//
// Failover: calls go to the "active" member; UNAVAILABLE moves it on. Reads are retried on the next
// member at once. Writes only when the call certainly never reached a member (failure.ts): a write
// whose connection dropped may have committed, and replaying a create would then report a false
// KeyExists — the caller sees the error and decides.
import { displayEndpoints, type EtcdEndpoint } from './endpoints.js';
import { decode, encode } from './etcd-codec.js';
import { GrpcChannel, type CallFailure, type MessageStream } from './grpc-channel.js';
import type { TlsMaterial } from './tls-files.js';
import type { EtcdKeyValue, RangeRequest, RangeResponse, StatusResponse, TxnRequest, TxnResponse, WatchRequest, WatchResponse } from './etcd-messages.js';

/** Node's TLS errors span lines and carry OpenSSL internals; an operator needs one line with the
 *  reason ("TLS handshake failed: sslv3 alert bad certificate"). */
export function oneLine(details: string): string {
  const text = details.replace(/\s+/g, ' ').trim();
  const ssl = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(text);
  return ssl ? `TLS handshake failed: ${ssl[1]!.trim()}` : text;
}

/** A failed etcd call: the gRPC status name and etcd's own message, with the member it went to. */
export class EtcdError extends Error {
  readonly details: string;
  constructor(
    readonly code: string,
    details: string,
    readonly endpoint: string,
    /** The call never reached the member (no connection, stream refused): nothing was applied. Only
     *  the transport knows this (grpc-channel.ts), so it is always said, never guessed from wording. */
    readonly notSent: boolean,
  ) {
    const line = oneLine(details);
    super(`etcd ${endpoint}: ${line || code}`);
    this.name = 'EtcdError';
    this.details = line;
  }
}

/** A transport failure (grpc-channel.ts) as the EtcdError callers see. */
export const etcdError = (f: CallFailure, endpoint: string) => new EtcdError(f.code, f.details, endpoint, f.notSent);

// etcd reports these as OUT_OF_RANGE with fixed texts (mvcc.ErrCompacted / ErrFutureRev).
export const isCompactedError = (err: unknown) => err instanceof EtcdError && err.details.includes('required revision has been compacted');
export const isFutureRevisionError = (err: unknown) => err instanceof EtcdError && err.details.includes('required revision is a future revision');
/** A member down, restarting or unreachable: the call may go to the next member. */
export const isUnavailable = (err: unknown) => err instanceof EtcdError && (err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED');

interface Member {
  endpoint: EtcdEndpoint;
  channel: GrpcChannel;
}

export interface EtcdClientOptions {
  endpoints: EtcdEndpoint[];
  tls: TlsMaterial;
  /** Bounds every unary call. */
  callTimeoutMs?: number;
}

/** A Watch stream to one member: requests go out with send(); responses and the end come to handlers. */
export interface EtcdWatchStream {
  endpoint: string;
  send(request: WatchRequest): void;
  cancel(): void;
}

export class EtcdClient {
  private readonly members: Member[];
  private active = 0;
  private readonly callTimeoutMs: number;
  readonly display: string;

  constructor(opts: EtcdClientOptions) {
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000;
    this.display = displayEndpoints(opts.endpoints);
    this.members = opts.endpoints.map((endpoint) => ({ endpoint, channel: new GrpcChannel(endpoint, opts.tls) }));
  }

  /** The member calls go to now. */
  get activeEndpoint(): string {
    return this.members[this.active]!.endpoint.url;
  }

  private error(member: Member, f: CallFailure): EtcdError {
    const error = etcdError(f, member.endpoint.url);
    if (isUnavailable(error)) this.moveOn(member);
    return error;
  }

  private async call<T>(member: Member, path: string, request: Uint8Array, parse: (b: Buffer) => T, timeoutMs?: number): Promise<T> {
    try {
      return await member.channel.unary(path, request, timeoutMs ?? this.callTimeoutMs, parse);
    } catch (f) {
      throw this.error(member, f as CallFailure);
    }
  }

  /** After a member failed: the next call goes to the next one (unless another call moved on already). */
  moveOn(failed: Member | string): void {
    const url = typeof failed === 'string' ? failed : failed.endpoint.url;
    if (this.members[this.active]!.endpoint.url === url) this.active = (this.active + 1) % this.members.length;
  }

  /** Reads are safe to repeat, so an unreachable member costs one retry per member, not an error. */
  private async read<T>(path: string, request: Uint8Array, parse: (b: Buffer) => T, timeoutMs?: number): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.members.length; attempt++) {
      try {
        return await this.call(this.members[this.active]!, path, request, parse, timeoutMs);
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  range(request: RangeRequest): Promise<RangeResponse> {
    return this.read('/etcdserverpb.KV/Range', encode.range(request), decode.range);
  }

  /** Retried on the next member only when it never left this process: see the note at the top. */
  async txn(request: TxnRequest): Promise<TxnResponse> {
    const bytes = encode.txn(request);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(this.members[this.active]!, '/etcdserverpb.KV/Txn', bytes, decode.txn);
      } catch (err) {
        if (!(err instanceof EtcdError && err.notSent) || attempt >= this.members.length) throw err;
      }
    }
  }

  deleteRange(request: { key: Buffer; rangeEnd?: Buffer; prevKv?: boolean }): Promise<{ header: { revision: number }; deleted: number; prevKvs: EtcdKeyValue[] }> {
    return this.call(this.members[this.active]!, '/etcdserverpb.KV/DeleteRange', encode.deleteRange(request), decode.deleteRange);
  }

  compact(revision: number, timeoutMs?: number): Promise<unknown> {
    // physical: the call returns once the old revisions are gone, so "compacted" means what it says.
    return this.read('/etcdserverpb.KV/Compact', encode.compact({ revision, physical: true }), decode.compact, timeoutMs);
  }

  /** Asks the active member (startup checks every member's reachability in turn). */
  status(timeoutMs?: number): Promise<StatusResponse> {
    return this.read('/etcdserverpb.Maintenance/Status', encode.status(), decode.status, timeoutMs);
  }

  /** A Watch stream to the active member. onEnd is called once unless cancel() came first: with the
   *  failure mapped like a unary call's, or undefined if etcd ended the stream with OK. */
  async openWatchStream(handlers: { onResponse(response: WatchResponse): void; onEnd(err: EtcdError | undefined): void }): Promise<EtcdWatchStream> {
    const member = this.members[this.active]!;
    let ended = false;
    let stream: MessageStream;
    try {
      stream = await member.channel.openStream('/etcdserverpb.Watch/Watch', {
        parse: decode.watch,
        // etcd usually sends a write's event in the same read as the write's answer: the answer's
        // caller (an HTTP response to send) goes first, the event is decoded a turn later.
        deferred: true,
        onMessage: (response) => !ended && handlers.onResponse(response),
        onEnd: (f) => {
          if (ended) return;
          ended = true;
          handlers.onEnd(f ? this.error(member, f) : undefined);
        },
      });
    } catch (f) {
      throw this.error(member, f as CallFailure);
    }
    return {
      endpoint: member.endpoint.url,
      send: (request) => stream.write(encode.watch(request)),
      cancel: () => {
        ended = true;
        stream.cancel();
      },
    };
  }

  close(): void {
    for (const m of this.members) m.channel.close();
  }
}
