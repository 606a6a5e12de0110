// etcd's KV, Watch and Status messages to and from bytes, with protobufjs's generated coders for the
// messages in etcd-proto.ts. Decoded messages become the plain shapes of etcd-messages.ts: 64-bit
// revisions as numbers (they stay below 2^53), bytes as Buffers that view the received frame.
import protobuf from 'protobufjs';
import { ETCD_PROTO } from './etcd-proto.js';
import type {
  Compare, EtcdKeyValue, RangeRequest, RangeResponse, ResponseHeader, ResponseOp, StatusResponse, TxnRequest, TxnResponse, WatchEvent, WatchRequest, WatchResponse,
} from './etcd-messages.js';

interface Types {
  RangeRequest: protobuf.Type;
  RangeResponse: protobuf.Type;
  TxnRequest: protobuf.Type;
  TxnResponse: protobuf.Type;
  DeleteRangeRequest: protobuf.Type;
  DeleteRangeResponse: protobuf.Type;
  CompactionRequest: protobuf.Type;
  CompactionResponse: protobuf.Type;
  StatusRequest: protobuf.Type;
  StatusResponse: protobuf.Type;
  WatchRequest: protobuf.Type;
  WatchResponse: protobuf.Type;
}
let types: Types | undefined;
function t(): Types {
  if (!types) {
    const root = protobuf.parse(ETCD_PROTO).root;
    const names = ['RangeRequest', 'RangeResponse', 'TxnRequest', 'TxnResponse', 'DeleteRangeRequest', 'DeleteRangeResponse', 'CompactionRequest', 'CompactionResponse', 'StatusRequest', 'StatusResponse', 'WatchRequest', 'WatchResponse'] as const;
    types = Object.fromEntries(names.map((n) => [n, root.lookupType(`etcdserverpb.${n}`)])) as unknown as Types;
  }
  return types;
}

/** protobufjs gives int64 fields as Long objects when the `long` package is installed, else numbers. */
type Int64 = number | { toNumber(): number } | null | undefined;
const num = (v: Int64): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

// The decoded objects as protobufjs returns them (defaults on the prototype, int64 as Int64).
interface RawKv { key: Buffer; createRevision: Int64; modRevision: Int64; version: Int64; value: Buffer }
interface RawHeader { revision: Int64 }
interface RawRange { header?: RawHeader | null; kvs: RawKv[]; more: boolean; count: Int64 }
interface RawResponseOp {
  responseRange?: RawRange | null;
  responsePut?: { header?: RawHeader | null; prevKv?: RawKv | null } | null;
  responseDeleteRange?: { header?: RawHeader | null; deleted: Int64; prevKvs: RawKv[] } | null;
}

const EMPTY = Buffer.alloc(0);
const kv = (m: RawKv): EtcdKeyValue => ({
  key: m.key,
  createRevision: num(m.createRevision),
  modRevision: num(m.modRevision),
  version: num(m.version),
  value: m.value ?? EMPTY,
});
const header = (m: RawHeader | null | undefined): ResponseHeader => ({ revision: num(m?.revision) });
const range = (m: RawRange): RangeResponse => ({ header: header(m.header), kvs: m.kvs.map(kv), more: m.more, count: num(m.count) });
const responseOp = (m: RawResponseOp): ResponseOp => ({
  responseRange: m.responseRange ? range(m.responseRange) : null,
  responsePut: m.responsePut ? { header: header(m.responsePut.header), prevKv: m.responsePut.prevKv ? kv(m.responsePut.prevKv) : null } : null,
  responseDeleteRange: m.responseDeleteRange
    ? { header: header(m.responseDeleteRange.header), deleted: num(m.responseDeleteRange.deleted), prevKvs: m.responseDeleteRange.prevKvs.map(kv) }
    : null,
});

const COMPARE_RESULT = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
const COMPARE_TARGET = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3 } as const;
const compare = (c: Compare) => ({ ...c, result: COMPARE_RESULT[c.result], target: COMPARE_TARGET[c.target] });

export const encode = {
  range: (r: RangeRequest) => t().RangeRequest.encode(r).finish(),
  txn: (r: TxnRequest) => t().TxnRequest.encode({ ...r, compare: r.compare.map(compare) }).finish(),
  deleteRange: (r: { key: Buffer; rangeEnd?: Buffer; prevKv?: boolean }) => t().DeleteRangeRequest.encode(r).finish(),
  compact: (r: { revision: number; physical: boolean }) => t().CompactionRequest.encode(r).finish(),
  status: () => t().StatusRequest.encode({}).finish(),
  watch: (r: WatchRequest) => t().WatchRequest.encode(r).finish(),
};

export const decode = {
  range: (b: Buffer): RangeResponse => range(t().RangeResponse.decode(b) as unknown as RawRange),
  txn: (b: Buffer): TxnResponse => {
    const m = t().TxnResponse.decode(b) as unknown as { header?: RawHeader; succeeded: boolean; responses: RawResponseOp[] };
    return { header: header(m.header), succeeded: m.succeeded, responses: m.responses.map(responseOp) };
  },
  deleteRange: (b: Buffer): { header: ResponseHeader; deleted: number; prevKvs: EtcdKeyValue[] } => {
    const m = t().DeleteRangeResponse.decode(b) as unknown as { header?: RawHeader; deleted: Int64; prevKvs: RawKv[] };
    return { header: header(m.header), deleted: num(m.deleted), prevKvs: m.prevKvs.map(kv) };
  },
  compact: (b: Buffer): { header: ResponseHeader } => ({ header: header((t().CompactionResponse.decode(b) as unknown as { header?: RawHeader }).header) }),
  status: (b: Buffer): StatusResponse => {
    const m = t().StatusResponse.decode(b) as unknown as { header?: RawHeader; version: string };
    return { header: header(m.header), version: m.version };
  },
  watch: (b: Buffer): WatchResponse => {
    const m = t().WatchResponse.decode(b) as unknown as {
      header?: RawHeader; watchId: Int64; created: boolean; canceled: boolean; compactRevision: Int64; cancelReason: string;
      events: { type: number; kv?: RawKv | null; prevKv?: RawKv | null }[];
    };
    return {
      header: header(m.header),
      watchId: num(m.watchId),
      created: m.created,
      canceled: m.canceled,
      compactRevision: num(m.compactRevision),
      cancelReason: m.cancelReason,
      events: m.events.map((e): WatchEvent => ({
        type: e.type === 1 ? 'DELETE' : 'PUT',
        kv: kv(e.kv ?? ({ key: EMPTY, value: EMPTY } as RawKv)),
        prevKv: e.prevKv ? kv(e.prevKv) : null,
      })),
    };
  },
};
