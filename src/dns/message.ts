// The DNS message model shared by the decoder, the encoder and the record index: only what cluster
// DNS answers with (RFC 1035, 2782 for SRV, 3596 for AAAA, 6891 for the EDNS OPT record).

export const rrType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const rrClass = { IN: 1, ANY: 255 } as const;
export const rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** Names are written without the trailing dot; '' is the root. The cluster is IPv4-only, so AAAA
 *  appears only as a question type, never as data. */
export type ResourceRecord = { name: string; ttl: number } & (
  | { type: 'A'; address: string }
  | { type: 'CNAME' | 'PTR' | 'NS'; target: string }
  | { type: 'SRV'; srv: SrvData }
  | { type: 'SOA'; soa: SoaData }
  | { type: 'TXT'; text: string[] }
);

export type RecordType = ResourceRecord['type'];

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface Header {
  id: number;
  /** Set in answers. */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
}

export interface Message extends Header {
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** The requester's (or responder's) UDP payload size from an OPT record; absent without EDNS. */
  udpSize?: number;
}

/** The payload a UDP answer may fill without EDNS (RFC 1035 4.2.1). */
export const classicUdpSize = 512;

export class DnsWireError extends Error {
  readonly code = 'DnsWireError';
}

export const typeCode = (t: RecordType): number => rrType[t];

const typeNames = new Map<number, RecordType>(
  (['A', 'NS', 'CNAME', 'SOA', 'PTR', 'TXT', 'SRV'] as const).map((t) => [rrType[t], t]),
);
/** The record type a code stands for, when it is one this module reads and writes. */
export const typeName = (code: number): RecordType | undefined => typeNames.get(code);
