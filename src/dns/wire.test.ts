import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, parseQuery, readName } from './decode.js';
import { encodeMessage } from './encode.js';
import { DnsWireError, rrType, type Message } from './message.js';

const query = (name: string, type: number, extra: Partial<Message> = {}): Buffer =>
  encodeMessage({ id: 0x1234, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name, type, class: 1 }], answers: [], authority: [], additional: [], ...extra });

describe('DNS wire format', () => {
  it('round-trips every record kind the server writes, compressing repeated names', () => {
    const m: Message = {
      id: 7, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: 3,
      questions: [{ name: 'web.default.svc.cluster.local', type: rrType.SRV, class: 1 }],
      answers: [
        { name: 'web.default.svc.cluster.local', ttl: 5, type: 'A', address: '10.43.0.20' },
        { name: 'web.default.svc.cluster.local', ttl: 5, type: 'SRV', srv: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } },
        { name: 'ext.default.svc.cluster.local', ttl: 5, type: 'CNAME', target: 'example.com' },
        { name: '20.0.43.10.in-addr.arpa', ttl: 5, type: 'PTR', target: 'web.default.svc.cluster.local' },
        { name: 'dns-version.cluster.local', ttl: 5, type: 'TXT', text: ['1.1.0'] },
      ],
      authority: [{ name: 'cluster.local', ttl: 5, type: 'SOA', soa: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 42, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } }],
      additional: [],
      udpSize: 1232,
    };
    const bytes = encodeMessage(m);
    assert.deepEqual(decodeMessage(bytes), m);
    // Written in full in the question and as the SRV target (which RFC 2782 leaves uncompressed); pointers everywhere else.
    const count = (needle: string) => bytes.toString('latin1').split(needle).length - 1;
    assert.equal(count('\x03web\x07default'), 2);
    assert.equal(count('\x07cluster\x05local'), 2);
  });

  it('parses a query with its EDNS payload size and where its question ends', () => {
    const q = parseQuery(query('Web.Default', rrType.A, { udpSize: 4096 }));
    assert.equal(q.id, 0x1234);
    assert.equal(q.rd, true);
    assert.deepEqual(q.question, { name: 'Web.Default', type: rrType.A, class: 1 });
    assert.equal(q.udpSize, 4096);
    assert.equal(q.questionEnd, 12 + 13 + 4);
  });

  it('keeps dots and backslashes inside labels apart from label boundaries', () => {
    const raw = Buffer.from([3, 0x61, 0x2e, 0x62, 1, 0x63, 0]);
    assert.equal(readName(raw, 0).name, 'a\\.b.c');
    const m = query('a\\.b.c', rrType.A);
    assert.deepEqual(m.subarray(12, 19), raw);
  });

  it('refuses malformed input with DnsWireError, never anything else', () => {
    const good = query('web.default.svc.cluster.local', rrType.A);
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.alloc(5),
      good.subarray(0, good.length - 2), // cut inside the question
      Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), // a pointer to itself
      Buffer.concat([good.subarray(0, 12), Buffer.from([0x80, 0, 0, 1, 0, 1])]), // reserved label type
      Buffer.concat([good.subarray(0, 12), Buffer.from([63]), Buffer.alloc(10)]), // label past the end
      Buffer.concat([good.subarray(0, 12), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0, 0, 1, 0, 1])]), // > 255 bytes
    ];
    const twoQuestions = Buffer.from(good);
    twoQuestions.writeUInt16BE(2, 4);
    cases.push(twoQuestions);
    const claimsAnswers = Buffer.from(good);
    claimsAnswers.writeUInt16BE(3, 6);
    cases.push(claimsAnswers);
    for (const c of cases) assert.throws(() => parseQuery(c), DnsWireError, c.toString('hex'));
    // Random bytes: only ever a query or DnsWireError.
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(good);
      for (let k = 0; k < 4; k++) junk[12 + Math.floor(Math.random() * (junk.length - 12))] = Math.floor(Math.random() * 256);
      try {
        parseQuery(junk);
        decodeMessage(junk);
      } catch (err) {
        assert.ok(err instanceof DnsWireError, String(err));
      }
    }
  });

  it('refuses to write what cannot be a name', () => {
    assert.throws(() => query('a..b', rrType.A), DnsWireError);
    assert.throws(() => query(`${'x'.repeat(64)}.b`, rrType.A), DnsWireError);
  });
});
