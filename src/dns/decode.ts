// Reading DNS messages. Every length and pointer is checked against the buffer, so any input either
// decodes or throws DnsWireError: the server never trusts a packet's own counts.
import { DnsWireError, rrType, typeName, type Header, type Message, type Question, type ResourceRecord } from './message.js';

const maxNameLength = 255;

function need(buf: Buffer, offset: number, n: number): void {
  if (offset + n > buf.length) throw new DnsWireError('message ends early');
}

/** A name at `offset`, following compression pointers; `end` is where the name's bytes end in place. */
export function readName(buf: Buffer, offset: number): { name: string; end: number } {
  let labels = '';
  let length = 0;
  let pos = offset;
  let end = -1;
  // Each pointer must point backwards, so a loop is impossible; the jump cap is a second guard.
  for (let jumps = 0; ; ) {
    need(buf, pos, 1);
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      need(buf, pos, 2);
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= pos || ++jumps > 64) throw new DnsWireError('bad compression pointer');
      if (end < 0) end = pos + 2;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new DnsWireError('unknown label type');
    need(buf, pos + 1, len);
    length += len + 1;
    if (length > maxNameLength) throw new DnsWireError('name too long');
    let label = '';
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = buf[i]!;
      // A dot or backslash inside a label must not read as a label boundary.
      label += c === 0x2e || c === 0x5c ? `\\${String.fromCharCode(c)}` : String.fromCharCode(c);
    }
    labels = labels ? `${labels}.${label}` : label;
    pos += len + 1;
  }
  return { name: labels, end };
}

function readHeader(buf: Buffer): Header & { counts: [number, number, number, number] } {
  need(buf, 0, 12);
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    counts: [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)],
  };
}

function readQuestion(buf: Buffer, offset: number): { question: Question; end: number } {
  const { name, end } = readName(buf, offset);
  need(buf, end, 4);
  return { question: { name, type: buf.readUInt16BE(end), class: buf.readUInt16BE(end + 2) }, end: end + 4 };
}

interface RawRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: number;
  rdlength: number;
  end: number;
}

function readRaw(buf: Buffer, offset: number): RawRecord {
  const { name, end } = readName(buf, offset);
  need(buf, end, 10);
  const rdlength = buf.readUInt16BE(end + 8);
  need(buf, end + 10, rdlength);
  return { name, type: buf.readUInt16BE(end), class: buf.readUInt16BE(end + 2), ttl: buf.readUInt32BE(end + 4), rdata: end + 10, rdlength, end: end + 10 + rdlength };
}

export interface Query extends Header {
  question: Question;
  /** Where the question's bytes start and end, so an answer can echo them exactly (case included). */
  questionStart: number;
  questionEnd: number;
  udpSize?: number;
}

/** A query with exactly one question; anything else throws. */
export function parseQuery(buf: Buffer): Query {
  const { counts, ...header } = readHeader(buf);
  if (counts[0] !== 1) throw new DnsWireError(`expected one question, got ${counts[0]}`);
  const { question, end } = readQuestion(buf, 12);
  let pos = end;
  let udpSize: number | undefined;
  for (let i = 0; i < counts[1] + counts[2] + counts[3]; i++) {
    const rr = readRaw(buf, pos);
    if (rr.type === rrType.OPT) udpSize = rr.class;
    pos = rr.end;
  }
  return { ...header, question, questionStart: 12, questionEnd: end, ...(udpSize !== undefined ? { udpSize } : {}) };
}

/** The id of whatever arrived, when it is long enough to have one: enough to answer FORMERR. */
export const messageId = (buf: Buffer): number | undefined => (buf.length >= 12 ? buf.readUInt16BE(0) : undefined);

function decodeRecord(buf: Buffer, rr: RawRecord): ResourceRecord | undefined {
  const type = typeName(rr.type);
  const base = { name: rr.name, ttl: rr.ttl };
  const p = rr.rdata;
  switch (type) {
    case 'A':
      if (rr.rdlength !== 4) throw new DnsWireError('A record of the wrong length');
      return { ...base, type, address: `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}` };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { ...base, type, target: readName(buf, p).name };
    case 'SRV':
      need(buf, p, 6);
      return { ...base, type, srv: { priority: buf.readUInt16BE(p), weight: buf.readUInt16BE(p + 2), port: buf.readUInt16BE(p + 4), target: readName(buf, p + 6).name } };
    case 'SOA': {
      const m = readName(buf, p);
      const r = readName(buf, m.end);
      need(buf, r.end, 20);
      const n = (i: number) => buf.readUInt32BE(r.end + 4 * i);
      return { ...base, type, soa: { mname: m.name, rname: r.name, serial: n(0), refresh: n(1), retry: n(2), expire: n(3), minimum: n(4) } };
    }
    case 'TXT': {
      const text: string[] = [];
      for (let i = p; i < p + rr.rdlength; ) {
        const len = buf[i]!;
        need(buf, i + 1, len);
        text.push(buf.toString('latin1', i + 1, i + 1 + len));
        i += 1 + len;
      }
      return { ...base, type, text };
    }
    default:
      return undefined;
  }
}

/** A whole message; records of types this module does not model are left out. */
export function decodeMessage(buf: Buffer): Message {
  const { counts, ...header } = readHeader(buf);
  const questions: Question[] = [];
  let pos = 12;
  for (let i = 0; i < counts[0]; i++) {
    const q = readQuestion(buf, pos);
    questions.push(q.question);
    pos = q.end;
  }
  const sections: ResourceRecord[][] = [[], [], []];
  let udpSize: number | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const raw = readRaw(buf, pos);
      pos = raw.end;
      if (raw.type === rrType.OPT) udpSize = raw.class;
      const rr = decodeRecord(buf, raw);
      if (rr) sections[s]!.push(rr);
    }
  }
  return { ...header, questions, answers: sections[0]!, authority: sections[1]!, additional: sections[2]!, ...(udpSize !== undefined ? { udpSize } : {}) };
}
