import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryInformer } from '../client/informer.js';
import type { KObject } from '../registry/types.js';
import { decodeMessage, parseQuery } from './decode.js';
import { encodeMessage } from './encode.js';
import { rcode, rrType, type Message } from './message.js';
import { createClusterRecords } from './records.js';
import { parseResolvConf, upstreamFromResolvConf } from './resolv-conf.js';
import { startDnsServer, type DnsServer } from './server.js';
import { parseUpstream } from './upstream.js';

const log = { debug: () => undefined, warn: () => undefined };

function query(name: string, type: number, o: { id?: number; udpSize?: number } = {}): Buffer {
  return encodeMessage({ id: o.id ?? 4242, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name, type, class: 1 }], answers: [], authority: [], additional: [], ...(o.udpSize ? { udpSize: o.udpSize } : {}) });
}

function udpExchange(port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => (s.close(), resolve(undefined)), timeoutMs);
    s.on('message', (reply) => (clearTimeout(timer), s.close(), resolve(reply)));
    s.send(msg, port, '127.0.0.1');
  });
}

const frame = (msg: Buffer) => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);

/** Sends `bytes` in the given chunks over one connection and collects `count` framed replies. */
function tcpExchange(port: number, chunks: Buffer[], count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length >= count) socket.destroy(), resolve(replies);
    });
    socket.on('connect', async () => {
      for (const c of chunks) {
        socket.write(c);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

/** A resolver on 127.0.0.1 standing in for the host's: answers `*.outside.test`, truncates `big.outside.test` over UDP. */
async function startFakeUpstream(): Promise<{ port: number; seen: string[]; stop(): Promise<void> }> {
  const seen: string[] = [];
  const answer = (msg: Buffer, transport: 'udp' | 'tcp'): Buffer => {
    let q;
    try {
      q = parseQuery(msg);
    } catch {
      return Buffer.alloc(0);
    }
    seen.push(`${transport} ${q.question.name}`);
    const big = q.question.name === 'big.outside.test';
    const answers: Message['answers'] = big
      ? Array.from({ length: 60 }, (_, i) => ({ name: q.question.name, ttl: 60, type: 'A' as const, address: `192.0.2.${i}` }))
      : [{ name: q.question.name, ttl: 60, type: 'A', address: '192.0.2.1' }];
    const tc = big && transport === 'udp';
    return encodeMessage({ id: q.id, qr: true, opcode: 0, aa: false, tc, rd: q.rd, ra: true, rcode: 0, questions: [q.question], answers: tc ? [] : answers, authority: [], additional: [] });
  };
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  udp.on('message', (msg, from) => udp.send(answer(msg, 'udp'), from.port, from.address, () => undefined));
  const port = udp.address().port;
  const tcp: Server = createServer((s) => s.on('data', (d) => s.write(frame(answer(d.subarray(2), 'tcp')))));
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
  return { port, seen, stop: () => new Promise((r) => (udp.close(), tcp.close(() => r()))) };
}

describe('DNS server', () => {
  const services = new MemoryInformer<KObject>([
    { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80 }] } },
    { metadata: { name: 'many', namespace: 'default' }, spec: { clusterIP: 'None' } },
  ]);
  const slices = new MemoryInformer<KObject>([
    {
      metadata: { name: 'many-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'many' } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: 100 }, (_, i) => ({ addresses: [`10.42.${i >> 8}.${i & 255}`], conditions: { ready: true } })),
    },
  ]);
  const records = createClusterRecords({ services, endpointSlices: slices });
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let silent: UdpSocket;
  let server: DnsServer;

  before(async () => {
    upstream = await startFakeUpstream();
    // A resolver that never answers: the first one tried, so every forward also tests the failover.
    silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    server = await startDnsServer({ records, listen: { address: '127.0.0.1', port: 0 }, upstream: [`127.0.0.1:${silent.address().port}`, `127.0.0.1:${upstream.port}`], log, upstreamTimeoutMs: 150 });
  });
  after(async () => {
    await server.stop();
    await upstream.stop();
    silent.close();
    records.stop();
  });

  it('answers a Service over UDP, authoritatively, echoing the id and the question as asked', async () => {
    const reply = decodeMessage((await udpExchange(server.port, query('WeB.Default.svc.cluster.local', rrType.A, { id: 999 })))!);
    assert.equal(reply.id, 999);
    assert.equal(reply.qr && reply.aa && reply.rd && reply.ra, true);
    assert.equal(reply.rcode, rcode.NOERROR);
    assert.deepEqual(reply.questions, [{ name: 'WeB.Default.svc.cluster.local', type: rrType.A, class: 1 }]);
    assert.deepEqual(reply.answers, [{ name: 'WeB.Default.svc.cluster.local', ttl: 5, type: 'A', address: '10.43.0.20' }]);
    // The second, cached answer carries its own id and case.
    const again = decodeMessage((await udpExchange(server.port, query('web.default.SVC.cluster.local', rrType.A, { id: 1000 })))!);
    assert.equal(again.id, 1000);
    assert.equal(again.answers[0]!.name, 'web.default.SVC.cluster.local');
  });

  it('answers pipelined queries over TCP, split anywhere', async () => {
    const both = Buffer.concat([frame(query('_http._tcp.web.default.svc.cluster.local', rrType.SRV, { id: 1 })), frame(query('nope.default.svc.cluster.local', rrType.A, { id: 2 }))]);
    const replies = (await tcpExchange(server.port, [both.subarray(0, 1), both.subarray(1, 20), both.subarray(20)], 2)).map(decodeMessage);
    const byId = new Map(replies.map((r) => [r.id, r]));
    assert.equal(byId.get(1)!.answers[0]!.type, 'SRV');
    assert.equal(byId.get(1)!.additional[0]!.type, 'A');
    assert.equal(byId.get(2)!.rcode, rcode.NXDOMAIN);
    assert.equal(byId.get(2)!.authority[0]!.type, 'SOA');
  });

  it('never forwards cluster names', async () => {
    const before = upstream.seen.length;
    for (const name of ['nope.default.svc.cluster.local', 'example.com.default.svc.cluster.local', 'cluster.local']) await udpExchange(server.port, query(name, rrType.A));
    assert.equal(upstream.seen.length, before);
  });

  it('forwards other names over the transport they came on, past an upstream that does not answer', async () => {
    const reply = decodeMessage((await udpExchange(server.port, query('www.outside.test', rrType.A, { id: 77 })))!);
    assert.equal(reply.id, 77);
    assert.deepEqual(reply.answers.map((a) => a.type === 'A' && a.address), ['192.0.2.1']);
    assert.ok(upstream.seen.includes('udp www.outside.test'));
    const [tcp] = await tcpExchange(server.port, [frame(query('tcp.outside.test', rrType.A, { id: 78 }))], 1);
    assert.equal(decodeMessage(tcp!).id, 78);
    assert.ok(upstream.seen.includes('tcp tcp.outside.test'));
  });

  it('passes an upstream truncation on, and the TCP retry gets everything', async () => {
    const udp = decodeMessage((await udpExchange(server.port, query('big.outside.test', rrType.A)))!);
    assert.equal(udp.tc, true);
    const [tcp] = await tcpExchange(server.port, [frame(query('big.outside.test', rrType.A))], 1);
    assert.equal(decodeMessage(tcp!).answers.length, 60);
  });

  it('truncates its own answers past the client\'s UDP size, sending it to TCP', async () => {
    const small = decodeMessage((await udpExchange(server.port, query('many.default.svc.cluster.local', rrType.A)))!);
    assert.equal(small.tc, true);
    assert.equal(small.answers.length, 0);
    // EDNS with room for all 100 addresses: no truncation.
    const edns = await udpExchange(server.port, query('many.default.svc.cluster.local', rrType.A, { udpSize: 4096 }));
    assert.equal(decodeMessage(edns!).tc, false);
    assert.equal(decodeMessage(edns!).answers.length, 100);
    assert.equal(decodeMessage(edns!).udpSize, 1232);
    const [tcp] = await tcpExchange(server.port, [frame(query('many.default.svc.cluster.local', rrType.A))], 1);
    assert.equal(decodeMessage(tcp!).answers.length, 100);
  });

  it('sees Service changes at once, past its answer cache', async () => {
    await udpExchange(server.port, query('web.default.svc.cluster.local', rrType.A));
    const web = services.get('default', 'web')!;
    services.set({ ...web, metadata: { ...web.metadata, resourceVersion: '2' }, spec: { clusterIP: '10.43.0.99' } });
    const reply = decodeMessage((await udpExchange(server.port, query('web.default.svc.cluster.local', rrType.A)))!);
    assert.deepEqual(reply.answers.map((a) => a.type === 'A' && a.address), ['10.43.0.99']);
  });

  it('answers garbage FORMERR or not at all, and keeps serving', async () => {
    const good = query('web.default.svc.cluster.local', rrType.A, { id: 5 });
    assert.equal(await udpExchange(server.port, Buffer.from([1, 2, 3]), 200), undefined);
    const formerr = decodeMessage((await udpExchange(server.port, Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 12])])))!);
    assert.equal(formerr.rcode, rcode.FORMERR);
    assert.equal(formerr.id, 5);
    // A response sent to the server is dropped: answering it could loop between two servers.
    const response = Buffer.from(good);
    response[2]! |= 0x80;
    assert.equal(await udpExchange(server.port, response, 200), undefined);
    const notQuery = Buffer.from(good);
    notQuery[2]! |= 2 << 3; // opcode STATUS
    assert.equal(decodeMessage((await udpExchange(server.port, notQuery))!).rcode, rcode.NOTIMP);
    // A cluster name asked in class CHAOS: refused, even though its IN answer is cached.
    const chaos = Buffer.from(good);
    chaos.writeUInt16BE(3, chaos.length - 2);
    assert.equal(decodeMessage((await udpExchange(server.port, chaos))!).rcode, rcode.REFUSED);
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(good);
      for (let k = 0; k < 3; k++) junk[Math.floor(Math.random() * junk.length)] = Math.floor(Math.random() * 256);
      const s = createSocket('udp4');
      s.send(junk, server.port, '127.0.0.1', () => s.close());
    }
    // A TCP frame of garbage, then a zero-length frame, then a good query on the same connection.
    const [reply] = await tcpExchange(server.port, [frame(Buffer.from('not dns at all')), frame(Buffer.alloc(0)), frame(good)], 2);
    assert.ok(reply);
    assert.equal(decodeMessage((await udpExchange(server.port, good))!).answers.length, 1);
  });

  it('answers SERVFAIL when no upstream answers', async () => {
    const lonely = await startDnsServer({ records, listen: { address: '127.0.0.1', port: 0 }, upstream: [`127.0.0.1:${silent.address().port}`], log, upstreamTimeoutMs: 100 });
    try {
      const reply = decodeMessage((await udpExchange(lonely.port, query('www.outside.test', rrType.A, { id: 3 })))!);
      assert.equal(reply.rcode, rcode.SERVFAIL);
      assert.equal(reply.id, 3);
      assert.deepEqual(reply.questions[0]!.name, 'www.outside.test');
    } finally {
      await lonely.stop();
    }
  });
});

describe('upstream resolvers', () => {
  it('come from resolv.conf nameservers, loopback stub resolvers included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-dns-'));
    try {
      const path = join(dir, 'resolv.conf');
      writeFileSync(path, '# systemd-resolved stub\nnameserver 127.0.0.53\nnameserver fe80::1%eth0 # link-local\noptions edns0 trust-ad\nsearch corp.example   lan\n;nameserver 10.0.0.1\n');
      assert.deepEqual(upstreamFromResolvConf(path), ['127.0.0.53', 'fe80::1']);
      assert.deepEqual(parseResolvConf('domain a\nsearch b c\n').search, ['b', 'c']);
      assert.deepEqual(upstreamFromResolvConf(join(dir, 'missing')), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are written ip, ip:port or [ipv6]:port', () => {
    assert.deepEqual(parseUpstream('10.0.0.2'), { host: '10.0.0.2', port: 53 });
    assert.deepEqual(parseUpstream('10.0.0.2:5353'), { host: '10.0.0.2', port: 5353 });
    assert.deepEqual(parseUpstream('2001:db8::1'), { host: '2001:db8::1', port: 53 });
    assert.deepEqual(parseUpstream('[2001:db8::1]:54'), { host: '2001:db8::1', port: 54 });
    assert.throws(() => parseUpstream('10.0.0.2:x'), /invalid DNS upstream/);
  });
});
