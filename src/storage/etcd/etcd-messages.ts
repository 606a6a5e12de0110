// TypeScript shapes of the etcd messages this backend reads and writes (camelCase, as etcd-codec.ts
// gives them; int64 as number, bytes as Buffer). Only the fields in etcd-proto.ts.

export interface EtcdKeyValue {
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
}

export interface ResponseHeader {
  revision: number;
}

export interface RangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  limit?: number;
  revision?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: EtcdKeyValue[];
  more: boolean;
  count: number;
}

export interface Compare {
  result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  key: Buffer;
  createRevision?: number;
  modRevision?: number;
}

export type RequestOp =
  | { requestRange: RangeRequest }
  | { requestPut: { key: Buffer; value: Buffer; prevKv?: boolean } }
  | { requestDeleteRange: { key: Buffer; rangeEnd?: Buffer; prevKv?: boolean } };

export interface ResponseOp {
  responseRange?: RangeResponse | null;
  responsePut?: { header: ResponseHeader; prevKv: EtcdKeyValue | null } | null;
  responseDeleteRange?: { header: ResponseHeader; deleted: number; prevKvs: EtcdKeyValue[] } | null;
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface StatusResponse {
  header: ResponseHeader;
  version: string;
}

export type WatchRequest =
  | { createRequest: { key: Buffer; rangeEnd: Buffer; startRevision: number; progressNotify?: boolean; prevKv?: boolean } }
  | { cancelRequest: { watchId: number } };

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: EtcdKeyValue;
  prevKv: EtcdKeyValue | null;
}

export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  events: WatchEvent[];
}
