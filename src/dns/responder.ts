// From a query's bytes to the answer's bytes, whatever the transport: cluster names from the record
// index (encoded once per name and type, then copied), everything else from upstream. Input is never
// trusted: what cannot be parsed is answered FORMERR when it has an id, or dropped.
import { classifyArrival } from './query-guard.js';
import { encodeMessage } from './encode.js';
import { classicUdpSize, rcode, rrClass, type Message } from './message.js';
import type { DnsAnswer, DnsRecords } from './records.js';
import { forward, type Upstream } from './upstream.js';

/** What this server offers in its OPT record: the DNS flag day 2020 size, safe from fragmentation. */
export const advertisedUdpSize = 1232;
const maxCached = 10_000;

export interface ResponderOptions {
  records: DnsRecords;
  upstreams: Upstream[];
  upstreamTimeoutMs: number;
}

export type Transport = 'udp' | 'tcp';

/** Returns the bytes to send back, synchronously when they are known at once; undefined sends nothing. */
export type Responder = (msg: Buffer, transport: Transport) => Buffer | Promise<Buffer | undefined> | undefined;

interface Cached {
  bytes: Buffer;
  answer: DnsAnswer;
  questionLength: number;
}

export function createResponder(o: ResponderOptions): Responder {
  let cache = new Map<string, Cached>();
  let cacheGeneration = o.records.generation;

  const header = (id: number, rd: boolean, code: number, aa: boolean): Omit<Message, 'questions' | 'answers' | 'authority' | 'additional'> =>
    ({ id, qr: true, opcode: 0, aa, tc: false, rd, ra: true, rcode: code });

  return (msg, transport) => {
    const parsed = classifyArrival(msg);
    if (parsed.kind === 'drop') return undefined;
    if (parsed.kind === 'formerr') return encodeMessage({ ...header(parsed.id, false, rcode.FORMERR, false), questions: [], answers: [], authority: [], additional: [] });
    const q = parsed.query;
    const edns = q.udpSize !== undefined ? { udpSize: advertisedUdpSize } : {};
    const bare = (code: number, aa: boolean) => encodeMessage({ ...header(q.id, q.rd, code, aa), questions: [q.question], answers: [], authority: [], additional: [], ...edns });
    if (q.opcode !== 0) return bare(rcode.NOTIMP, false);

    const limit = transport === 'tcp' ? Infinity : Math.max(classicUdpSize, q.udpSize ?? classicUdpSize);
    const key = `${q.question.type}|${q.udpSize !== undefined ? 1 : 0}|${q.question.name.toLowerCase()}`;
    if (o.records.generation !== cacheGeneration) {
      cache = new Map();
      cacheGeneration = o.records.generation;
    }
    // Only class IN has records; a cluster name in another class is refused, never forwarded.
    const inClass = q.question.class === rrClass.IN || q.question.class === rrClass.ANY;
    let hit = inClass ? cache.get(key) : undefined;
    if (!hit) {
      const answer = o.records.answer(q.question.name, q.question.type);
      if (answer) {
        if (!inClass) return bare(rcode.REFUSED, false);
        try {
          hit = encodeAnswer(answer, q.question, edns);
        } catch {
          // A record that cannot be written (an ExternalName no resolver could follow either).
          return bare(rcode.SERVFAIL, true);
        }
        if (cache.size >= maxCached) cache = new Map();
        cache.set(key, hit);
      }
    }
    if (hit) {
      if (hit.bytes.length > limit) return truncated(q.id, q.rd, hit.answer, q.question, edns, limit);
      const out = Buffer.from(hit.bytes);
      out.writeUInt16BE(q.id, 0);
      if (q.rd) out[2]! |= 0x01;
      // The question as the client wrote it, case included: resolvers that randomise case check it.
      if (q.questionEnd - q.questionStart === hit.questionLength) msg.copy(out, 12, q.questionStart, q.questionEnd);
      return out;
    }
    if (o.upstreams.length === 0) return bare(rcode.SERVFAIL, false);
    return forward(msg, { upstreams: o.upstreams, timeoutMs: o.upstreamTimeoutMs, transport, questionEnd: q.questionEnd }).then((reply) => reply ?? bare(rcode.SERVFAIL, false));
  };

  function encodeAnswer(answer: DnsAnswer, asked: Message['questions'][number], edns: { udpSize?: number }): Cached {
    const question = { ...asked, name: asked.name.toLowerCase() };
    const bytes = encodeMessage({ ...header(0, false, answer.rcode, true), questions: [question], ...answer, ...edns });
    const questionLength = encodeMessage({ ...header(0, false, 0, false), questions: [question], answers: [], authority: [], additional: [] }).length - 12;
    return { bytes, answer, questionLength };
  }

  /** Over the client's UDP size: first without the additional section (no TC needed, RFC 2181
   *  9), then an empty answer with TC set, which sends the client to TCP. */
  function truncated(id: number, rd: boolean, answer: DnsAnswer, question: Message['questions'][number], edns: { udpSize?: number }, limit: number): Buffer {
    const base = { ...header(id, rd, answer.rcode, true), questions: [question], ...edns };
    const lean = encodeMessage({ ...base, answers: answer.answers, authority: answer.authority, additional: [] });
    if (lean.length <= limit) return lean;
    return encodeMessage({ ...base, tc: true, answers: [], authority: [], additional: [] });
  }
}
