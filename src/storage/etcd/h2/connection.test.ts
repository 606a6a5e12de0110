// The HTTP/2 client against Node's own HTTP/2 server (nghttp2: a different implementation, with its
// own HPACK encoder and flow control), for what gRPC calls to etcd rarely show on demand: bodies and
// answers larger than every window, header blocks split into CONTINUATION frames, a paused reader,
// a concurrency limit, GOAWAY naming the last stream processed, and PING.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { H2Connection, type StreamEnd } from './connection.js';
import { encodeHeaders, type HeaderList } from './hpack.js';

const servers: http2.Http2Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, settings?: http2.Settings, session?: (s: http2.ServerHttp2Session) => void) {
  const server = http2.createServer({ ...(settings ? { settings } : {}), maxSessionMemory: 1024 });
  servers.push(server);
  server.on('session', (s) => {
    s.on('error', () => {});
    session?.(s);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    onStream(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function connect(port: number, windowBytes = 1024 * 1024): Promise<{ conn: H2Connection; closed: Promise<string> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let closed!: (why: string) => void;
  const whenClosed = new Promise<string>((r) => (closed = r));
  const conn = new H2Connection(socket, { windowBytes, onClose: closed, onGoaway: () => {} });
  await new Promise((r) => socket.once('connect', r));
  return { conn, closed: whenClosed };
}

const block = (path: string, extra: HeaderList = []) =>
  encodeHeaders([[':method', 'POST'], [':scheme', 'http'], [':path', path], [':authority', 'test'], ...extra]);

/** Sends one request and collects what comes back. */
function call(conn: H2Connection, path: string, body?: Buffer, extra: HeaderList = []) {
  const headers: HeaderList[] = [];
  const data: Buffer[] = [];
  return new Promise<{ headers: HeaderList[]; body: Buffer; end: StreamEnd }>((resolve) => {
    conn.request(block(path, extra), {
      onHeaders: (f) => headers.push(f),
      onData: (c) => data.push(Buffer.from(c)),
      onEnd: (end) => resolve({ headers, body: Buffer.concat(data), end }),
    }, body ?? Buffer.alloc(0), true);
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const header = (list: HeaderList, name: string) => list.find(([n]) => n === name)?.[1];

describe('HTTP/2 client connection', () => {
  it('sends a body past the peer window and reads an answer past ours, intact', async () => {
    const port = await serve((stream) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        const got = Buffer.concat(parts);
        stream.respond({ ':status': 200, 'x-sha': sha(got) }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-done': 'yes' }));
        // 6 MiB back, six times the client's 1 MiB window: WINDOW_UPDATEs must flow.
        for (let i = 0; i < 6; i++) stream.write(Buffer.alloc(1024 * 1024, i));
        stream.end();
      });
    });
    const { conn } = await connect(port);
    const body = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const r = await call(conn, '/big', body);
    assert.deepEqual(r.end, { kind: 'ended' });
    assert.equal(header(r.headers[0]!, ':status'), '200');
    assert.equal(header(r.headers[0]!, 'x-sha'), sha(body), 'the server read the whole body');
    assert.equal(r.body.length, 6 * 1024 * 1024);
    assert.equal(r.body[5 * 1024 * 1024 + 5], 5);
    assert.equal(header(r.headers[1]!, 'x-done'), 'yes', 'trailers arrive after the data');
    conn.close();
  });

  it('splits a large header block into CONTINUATION frames and reads one back', async () => {
    const port = await serve((stream, headers) => {
      stream.respond({ ':status': 200, 'x-echo-length': String(String(headers['x-big']).length), 'x-back': 'b'.repeat(40_000) }, { endStream: true });
    }, { maxHeaderListSize: 256 * 1024 });
    const { conn } = await connect(port);
    const r = await call(conn, '/headers', undefined, [['x-big', 'a'.repeat(40_000)]]);
    assert.equal(header(r.headers[0]!, 'x-echo-length'), '40000');
    assert.equal(header(r.headers[0]!, 'x-back')?.length, 40_000);
    // The shared HPACK table is still in step: another call decodes fine.
    const again = await call(conn, '/headers', undefined, [['x-big', 'c']]);
    assert.equal(header(again.headers[0]!, 'x-echo-length'), '1');
    conn.close();
  });

  it('holds data while paused and gives the window back only on resume', async () => {
    let written = 0;
    let wrote!: () => void;
    const blocked = new Promise<void>((r) => (wrote = r));
    const port = await serve((stream) => {
      stream.respond({ ':status': 200 });
      const chunk = Buffer.alloc(16 * 1024, 1);
      const pump = () => {
        while (written < 4 * 1024 * 1024) {
          written += chunk.length;
          if (!stream.write(chunk)) return stream.once('drain', pump);
        }
        stream.end();
      };
      pump();
      setTimeout(wrote, 300);
    });
    const { conn } = await connect(port, 256 * 1024);
    let got = 0;
    let ended: StreamEnd | undefined;
    const stream = conn.request(block('/stream'), {
      onHeaders: () => {},
      onData: (c) => (got += c.length),
      onEnd: (e) => (ended = e),
    }, Buffer.alloc(0), true);
    stream.pause();
    await blocked;
    assert.equal(got, 0, 'nothing delivered while paused');
    assert.ok(written <= 512 * 1024, `the server was held back by the window (${written} bytes written)`);
    stream.resume();
    const deadline = Date.now() + 5000;
    while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(ended, { kind: 'ended' });
    assert.equal(got, 4 * 1024 * 1024);
    conn.close();
  });

  it("waits for the peer's stream limit instead of being refused", async () => {
    let open = 0;
    let most = 0;
    const port = await serve((stream) => {
      most = Math.max(most, ++open);
      setTimeout(() => {
        open--;
        stream.respond({ ':status': 200 }, { endStream: true });
      }, 20);
    }, { maxConcurrentStreams: 2 }, (s) => (session = s));
    let session!: http2.ServerHttp2Session;
    const { conn } = await connect(port);
    // Let the server's SETTINGS arrive first.
    await new Promise<void>((r) => conn.ping(() => r()));
    const results = await Promise.all(Array.from({ length: 7 }, () => call(conn, '/limited')));
    assert.deepEqual(results.map((r) => r.end.kind), Array(7).fill('ended'));
    assert.equal(most, 2);
    // The limit rises while calls wait: they go first, in order (a stream ID opened out of order is a
    // protocol error to the peer), then the newer ones.
    most = 0;
    const waiting = Array.from({ length: 6 }, () => call(conn, '/limited'));
    session.settings({ maxConcurrentStreams: 4 });
    await new Promise<void>((r) => conn.ping(() => r()));
    const later = Array.from({ length: 4 }, () => call(conn, '/limited'));
    const all = await Promise.all([...waiting, ...later]);
    assert.deepEqual(all.map((r) => r.end.kind), Array(10).fill('ended'));
    assert.ok(most <= 4 && most >= 3, `at most the new limit in flight (${most})`);
    conn.close();
  });

  it('GOAWAY: streams after the last one processed fail as never processed; earlier ones finish', async () => {
    const streams: http2.ServerHttp2Stream[] = [];
    let session!: http2.ServerHttp2Session;
    const port = await serve((stream) => streams.push(stream), undefined, (s) => (session = s));
    const { conn, closed } = await connect(port);
    const calls = [call(conn, '/a'), call(conn, '/b'), call(conn, '/c')];
    while (streams.length < 3) await new Promise((r) => setTimeout(r, 5));
    session.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(conn.open, false, 'no new streams after GOAWAY');
    streams[0]!.respond({ ':status': 200 }, { endStream: true });
    const [a, b, c] = await Promise.all(calls);
    assert.deepEqual(a!.end, { kind: 'ended' });
    assert.deepEqual(b!.end, { kind: 'lost', reason: 'the member is going away (GOAWAY)', unprocessed: true });
    assert.deepEqual(c!.end, { kind: 'lost', reason: 'the member is going away (GOAWAY)', unprocessed: true });
    // With nothing left in flight, the connection closes by itself.
    assert.equal(await closed, 'the member closed the connection');
  });

  it("answers the peer's PINGs with their payload, a few at a time", async () => {
    let session!: http2.ServerHttp2Session;
    const port = await serve(() => {}, undefined, (s) => (session = s));
    const { conn } = await connect(port);
    await new Promise<void>((r) => conn.ping(() => r()));
    const payloads = ['aaaaaaaa', 'bbbbbbbb', 'cccccccc'].map((p) => Buffer.from(p));
    const answered = await Promise.all(payloads.map((p) => new Promise<string>((resolve, reject) => {
      session.ping(p, (err, _ms, back) => (err ? reject(err) : resolve(back.toString())));
    })));
    assert.deepEqual(answered, ['aaaaaaaa', 'bbbbbbbb', 'cccccccc']);
    conn.close();
  });

  it('a reset from the peer ends only that stream, with its code', async () => {
    const port = await serve((stream, headers) => {
      if (headers[':path'] === '/reset') stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      else stream.respond({ ':status': 200 }, { endStream: true });
    });
    const { conn } = await connect(port);
    const [reset, fine] = await Promise.all([call(conn, '/reset'), call(conn, '/fine')]);
    assert.deepEqual(reset.end, { kind: 'reset', code: http2.constants.NGHTTP2_REFUSED_STREAM });
    assert.deepEqual(fine.end, { kind: 'ended' });
    await new Promise<void>((resolve, reject) => conn.ping((err) => (err ? reject(err) : resolve())));
    conn.close();
  });

  it('a peer that speaks no HTTP/2 closes the connection with a reason, and every stream hears it', async () => {
    const server = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { conn, closed } = await connect((server.address() as AddressInfo).port);
      const r = await call(conn, '/x');
      assert.equal(r.end.kind, 'lost');
      assert.match(await closed, /protocol error|closed the connection/);
    } finally {
      server.close();
    }
  });
});
