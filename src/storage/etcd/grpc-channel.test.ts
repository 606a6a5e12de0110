// The etcd transport against small HTTP/2 servers made here, for what a real etcd rarely shows on
// demand: messages split across DATA frames, a member that never answers, one that answers HTTP
// errors or a status in the trailers, one that refuses streams, and one that is not there. Each
// failure must say whether the call can have reached the member (failure.ts builds on that).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { createCertificateAuthority, issueServingCertificate } from '../../pki/issue.js';
import { parseEtcdEndpoints } from './endpoints.js';
import { Deframer, frame, GrpcChannel, type CallFailure } from './grpc-channel.js';
import { freePort } from './test-etcd.js';

const servers: http2.Http2Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A server calling onStream once a request's body is in, or `live` at once for streaming calls. */
async function serve(
  onStream: (stream: http2.ServerHttp2Stream, body: Buffer[], headers: http2.IncomingHttpHeaders) => void,
  live?: (stream: http2.ServerHttp2Stream) => void,
): Promise<GrpcChannel> {
  const server = http2.createServer();
  servers.push(server);
  server.on('session', (session) => session.on('error', () => {}));
  server.on('stream', (stream, headers) => {
    // Resets and refusals made on purpose here are not errors of the test.
    stream.on('error', () => {});
    if (live) return live(stream);
    const body: Buffer[] = [];
    stream.on('data', (c: Buffer) => body.push(c));
    stream.on('end', () => onStream(stream, body, headers));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new GrpcChannel(parseEtcdEndpoints(`http://127.0.0.1:${port}`)[0]!, {});
}

const raw = (b: Buffer) => b;

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('the call succeeded'),
    (f: CallFailure) => f,
  );

describe('etcd gRPC transport', () => {
  it('reassembles messages split across and packed into chunks', () => {
    const messages = [Buffer.from('a'), Buffer.alloc(70_000, 7), Buffer.alloc(0), Buffer.from('last')];
    const wire = Buffer.concat(messages.map((m) => frame(m)));
    for (const size of [1, 3, 5, 6, 4096, wire.length]) {
      const d = new Deframer();
      const out: Buffer[] = [];
      for (let i = 0; i < wire.length; i += size) out.push(...d.push(wire.subarray(i, i + size)));
      assert.deepEqual(out.map((b) => b.toString('hex')), messages.map((b) => b.toString('hex')), `chunks of ${size}`);
    }
    assert.throws(() => new Deframer().push(Buffer.from([1, 0, 0, 0, 1, 9])), /compressed/);
  });

  it('sends one framed message with the gRPC headers and reads the answer and its OK status', async () => {
    let seen: http2.IncomingHttpHeaders | undefined;
    const channel = await serve((stream, body, headers) => {
      seen = headers;
      assert.deepEqual(Buffer.concat(body), frame(Buffer.from('ping')));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      // The answer in two writes, split inside the 5-byte prefix.
      const answer = frame(Buffer.from('pong'));
      stream.write(answer.subarray(0, 3));
      stream.end(answer.subarray(3));
    });
    try {
      assert.equal((await channel.unary('/etcdserverpb.KV/Range', Buffer.from('ping'), 2000, raw)).toString(), 'pong');
      assert.equal(seen?.[':method'], 'POST');
      assert.equal(seen?.[':path'], '/etcdserverpb.KV/Range');
      assert.equal(seen?.['content-type'], 'application/grpc');
      assert.equal(seen?.te, 'trailers');
      assert.equal(seen?.['grpc-timeout'], '2000m', 'the deadline travels, so etcd gives up with the caller');
    } finally {
      channel.close();
    }
  });

  it("reports etcd's status and message from the trailers, decoded", async () => {
    const channel = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '11', 'grpc-message': 'etcdserver%3A mvcc%3A required revision has been compacted' }));
      stream.end();
    });
    try {
      const f = await failureOf(channel.unary('/etcdserverpb.KV/Range', Buffer.alloc(0), 2000, raw));
      assert.deepEqual(f, { code: 'OUT_OF_RANGE', details: 'etcdserver: mvcc: required revision has been compacted', notSent: false });
    } finally {
      channel.close();
    }
  });

  it('maps a non-gRPC HTTP answer to a gRPC code', async () => {
    const channel = await serve((stream) => {
      stream.respond({ ':status': 503 });
      stream.end('busy');
    });
    try {
      const f = await failureOf(channel.unary('/etcdserverpb.KV/Txn', Buffer.alloc(0), 2000, raw));
      assert.equal(f.code, 'UNAVAILABLE');
      assert.equal(f.notSent, false, 'the member saw the request');
    } finally {
      channel.close();
    }
  });

  it('a deadline on a stream that was sent may have applied; a refused stream did not', async () => {
    const held: http2.ServerHttp2Stream[] = [];
    const silent = await serve((stream) => held.push(stream));
    try {
      const start = Date.now();
      const f = await failureOf(silent.unary('/etcdserverpb.KV/Txn', Buffer.alloc(0), 300, raw));
      assert.equal(f.code, 'DEADLINE_EXCEEDED');
      assert.equal(f.notSent, false);
      assert.ok(Date.now() - start < 1500, 'the deadline ends the call');
    } finally {
      silent.close();
    }
    const refusing = await serve((stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM));
    try {
      const f = await failureOf(refusing.unary('/etcdserverpb.KV/Txn', Buffer.alloc(0), 2000, raw));
      assert.deepEqual(f, { code: 'UNAVAILABLE', details: 'Stream refused by server', notSent: true });
    } finally {
      refusing.close();
    }
  });

  it('a member going away: the call it processed finishes, the one after its last stream is surely unsent', async () => {
    const held: http2.ServerHttp2Stream[] = [];
    const channel = await serve(() => {}, (stream) => {
      held.push(stream);
      stream.on('data', () => {});
      if (held.length < 2) return;
      // Shutting down: it will finish stream 1 and never look at stream 3.
      stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, held[0]!.id);
      const first = held[0]!;
      first.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      first.on('wantTrailers', () => first.sendTrailers({ 'grpc-status': '0' }));
      first.end(frame(Buffer.from('done')));
    });
    try {
      const [processed, dropped] = await Promise.allSettled([
        channel.unary('/etcdserverpb.KV/Txn', Buffer.from('1'), 2000, raw),
        channel.unary('/etcdserverpb.KV/Txn', Buffer.from('2'), 2000, raw),
      ]);
      assert.equal(processed.status === 'fulfilled' && processed.value.toString(), 'done');
      assert.deepEqual(dropped.status === 'rejected' && dropped.reason, { code: 'UNAVAILABLE', details: 'the member is going away (GOAWAY)', notSent: true });
    } finally {
      channel.close();
    }
  });

  it('a member that is not there fails at once and surely unsent, then again without waiting while it stays down', async () => {
    const port = await freePort();
    const channel = new GrpcChannel(parseEtcdEndpoints(`http://127.0.0.1:${port}`)[0]!, {});
    try {
      const first = await failureOf(channel.unary('/etcdserverpb.KV/Txn', Buffer.alloc(0), 3000, raw));
      assert.equal(first.code, 'UNAVAILABLE');
      assert.equal(first.notSent, true);
      assert.match(first.details, /^no connection: .*ECONNREFUSED/);
      const start = Date.now();
      const again = await failureOf(channel.unary('/etcdserverpb.KV/Txn', Buffer.alloc(0), 3000, raw));
      assert.equal(again.notSent, true);
      assert.ok(Date.now() - start < 100, 'within the reconnect backoff a call fails without trying');
    } finally {
      channel.close();
    }
  });

  for (const deferred of [false, true]) it(`streams messages both ways and tells the end once${deferred ? ' (a deferred stream)' : ''}`, async () => {
    const channel = await serve(() => {}, (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      // Echoes every message, upper-cased, until the client half-closes... or sends "bye".
      const d = new Deframer();
      stream.on('data', (c: Buffer) => {
        for (const m of d.push(c)) {
          if (m.toString() === 'bye') return stream.end();
          stream.write(frame(Buffer.from(m.toString().toUpperCase())));
        }
      });
    });
    try {
      const ends: (CallFailure | undefined)[] = [];
      const order: string[] = [];
      const s = await channel.openStream('/etcdserverpb.Watch/Watch', {
        parse: raw, deferred,
        onMessage: (m) => order.push(m.toString()),
        onEnd: (f) => {
          ends.push(f);
          order.push('end');
        },
      });
      s.write(Buffer.from('one'));
      s.write(Buffer.from('two'));
      s.write(Buffer.from('bye'));
      const deadline = Date.now() + 2000;
      while (ends.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(ends, [undefined]);
      assert.deepEqual(order, ['ONE', 'TWO', 'end'], 'every message, then the end');

      // A message that does not decode ends the call, once, and nothing after it is delivered.
      const later: string[] = [];
      const failed: (CallFailure | undefined)[] = [];
      const bad = await channel.openStream('/etcdserverpb.Watch/Watch', {
        deferred,
        parse: (m) => {
          if (m.toString() === 'GARBLED') throw new Error('index out of range');
          return m.toString();
        },
        onMessage: (m) => later.push(m),
        onEnd: (f) => failed.push(f),
      });
      bad.write(Buffer.from('fine'));
      bad.write(Buffer.from('garbled'));
      bad.write(Buffer.from('after'));
      const until = Date.now() + 2000;
      while (failed.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(later, ['FINE']);
      assert.deepEqual(failed, [{ code: 'INTERNAL', details: 'cannot decode a message of /etcdserverpb.Watch/Watch: index out of range', notSent: false }]);
    } finally {
      channel.close();
    }
  });

  it('a member that goes away (its sockets closed, nothing reset) is named so, in flight and while it stays down', async () => {
    const channel = await serve(() => {}, (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc' }));
    const sockets = new Set<Socket>();
    servers.at(-1)!.on('connection', (socket: Socket) => sockets.add(socket));
    try {
      const ends: (CallFailure | undefined)[] = [];
      await channel.openStream('/etcdserverpb.Watch/Watch', { parse: raw, onMessage: () => {}, onEnd: (f) => ends.push(f) });
      while (sockets.size === 0) await new Promise((r) => setTimeout(r, 10));
      // What etcd's exit looks like from here: the connection ends, no RST_STREAM, no status.
      for (const s of sockets) s.destroy();
      const deadline = Date.now() + 2000;
      while (ends.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(ends, [{ code: 'UNAVAILABLE', details: 'the member closed the connection', notSent: false }]);
      const next = await failureOf(channel.unary('/etcdserverpb.KV/Txn', Buffer.alloc(0), 2000, raw));
      assert.deepEqual(next, { code: 'UNAVAILABLE', details: 'no connection: the member closed the connection', notSent: true });
    } finally {
      channel.close();
    }
  });

  it('a member that refuses our certificate after the TLS 1.3 handshake: its alert as the reason, and no connection left open', async () => {
    const ca = await createCertificateAuthority({ commonName: 'etcd-ca' });
    const serving = await issueServingCertificate({ issuer: ca, commonName: 'etcd', dnsNames: [], ipAddresses: ['127.0.0.1'] });
    const server = http2.createSecureServer({ key: serving.keyPem, cert: serving.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // No client certificate: the member sends its alert once our side thinks the handshake is done.
    const channel = new GrpcChannel(parseEtcdEndpoints(`https://127.0.0.1:${(server.address() as AddressInfo).port}`)[0]!, { ca: Buffer.from(ca.certPem) });
    const openFds = () => readdirSync('/proc/self/fd').length;
    const before = openFds();
    try {
      for (let i = 0; i < 8; i++) {
        const f = await failureOf(channel.unary('/etcdserverpb.KV/Range', Buffer.alloc(0), 2000, raw));
        assert.equal(f.code, 'UNAVAILABLE');
        assert.match(f.details, /alert certificate required/, 'says why, not that a session was destroyed');
        await new Promise((r) => setTimeout(r, 300));
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(openFds() <= before + 1, `sockets of refused connections are closed (${before} file descriptors before, ${openFds()} after)`);
    } finally {
      channel.close();
      server.close();
    }
  });
});
