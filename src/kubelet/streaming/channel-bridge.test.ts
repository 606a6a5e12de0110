// The websocket-channel ↔ SPDY translation against a fake runtime that speaks SPDY as containerd
// does (accepts each stream with SYN_REPLY, writes the Status last, then resets every stream and
// closes): which streams are opened, stdin and its half-close, resizes, output, the Status, and
// the end of the session from either side.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, connect, type Server as NetServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { bridgeChannels } from './channel-bridge.js';
import { SpdyConnection } from './spdy/connection.js';
import { encodeFrame, FrameReader, type SpdyFrame } from './spdy/frames.js';
import { HeaderCompressor, HeaderDecompressor } from './spdy/headers.js';
import { wsChannels } from './test-clients.js';
import type { StreamRequest } from '../../runtime/types.js';

/** What the fake runtime saw of one session. */
interface Seen {
  streams: string[];
  stdin: string;
  stdinFin: boolean;
  resize: string;
  closed: Promise<void>;
}

/** Echoes stdin upper-cased on stdout; at stdin's FIN ends stdout, writes the Status, resets, closes. */
function fakeRuntime(socket: Socket, seen: Seen, status: object): void {
  const reader = new FrameReader(new HeaderDecompressor());
  const compressor = new HeaderCompressor();
  const types = new Map<number, string>();
  const send = (f: SpdyFrame) => socket.writable && socket.write(encodeFrame(f, compressor));
  const idOf = (t: string) => [...types].find(([, v]) => v === t)?.[0];
  socket.on('data', (chunk: Buffer) => {
    for (const f of reader.push(chunk)) {
      if (f.type === 'synStream') {
        const t = f.headers.streamtype?.[0] ?? '?';
        types.set(f.streamId, t);
        seen.streams.push(t);
        send({ type: 'synReply', streamId: f.streamId, fin: false, headers: {} });
      } else if (f.type === 'data') {
        const t = types.get(f.streamId);
        if (t === 'resize') seen.resize += f.data.toString();
        if (t !== 'stdin') continue;
        seen.stdin += f.data.toString();
        if (f.data.length) send({ type: 'data', streamId: idOf('stdout')!, fin: false, data: Buffer.from(f.data.toString().toUpperCase()) });
        if (f.fin) {
          seen.stdinFin = true;
          send({ type: 'data', streamId: idOf('stdout')!, fin: true, data: Buffer.alloc(0) });
          send({ type: 'data', streamId: idOf('error')!, fin: false, data: Buffer.from(JSON.stringify(status)) });
          for (const id of types.keys()) send({ type: 'rstStream', streamId: id, status: 5 });
          socket.end();
        }
      }
    }
  });
}

let dir: string;
let runtime: NetServer;
let front: Server;
let socketPath: string;
const sessions: Seen[] = [];
let nextStatus: object = { metadata: {}, status: 'Success' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k3ts-bridge-'));
  const runtimePath = join(dir, 'runtime.sock');
  runtime = createNetServer((socket) => {
    let done!: () => void;
    const seen: Seen = { streams: [], stdin: '', stdinFin: false, resize: '', closed: new Promise((r) => (done = r)) };
    socket.on('close', () => done());
    socket.on('error', () => undefined);
    sessions.push(seen);
    fakeRuntime(socket, seen, nextStatus);
  });
  await new Promise<void>((r) => runtime.listen(runtimePath, r));
  const wss = new WebSocketServer({ noServer: true });
  socketPath = join(dir, 'front.sock');
  front = createServer();
  front.on('upgrade', (req, socket, head) => {
    const q = new URL(req.url!, 'http://x').searchParams;
    const io: StreamRequest = { stdin: q.has('stdin'), stdout: true, stderr: !q.has('tty'), tty: q.has('tty') };
    wss.handleUpgrade(req, socket, head, (ws) => {
      const spdy = new SpdyConnection(connect(runtimePath));
      void bridgeChannels({ ws, spdy, io, protocol: ws.protocol });
    });
  });
  await new Promise<void>((r) => front.listen(socketPath, r));
});

after(async () => {
  front.closeAllConnections();
  await new Promise((r) => front.close(r));
  await new Promise((r) => runtime.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test('v5: streams as kubectl opens them, stdin then its half-close, output and the Status', async () => {
  const r = await wsChannels({ socketPath, path: '/?stdin', stdin: [Buffer.from('abc'), Buffer.from('def')] });
  const seen = sessions.at(-1)!;
  assert.deepEqual(seen.streams, ['error', 'stdin', 'stdout', 'stderr']);
  assert.equal(seen.stdin, 'abcdef');
  assert.equal(seen.stdinFin, true);
  assert.equal(r.stdout, 'ABCDEF');
  assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  assert.equal(r.closeCode, 1000);
});

test('a terminal: no stderr stream, resizes go to the resize stream as they came', async () => {
  const size = JSON.stringify({ Width: 120, Height: 40 });
  const r = await wsChannels({
    socketPath,
    path: '/?stdin&tty',
    onOpen: (ws) => {
      ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(size)]));
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('x')]));
      ws.send(Buffer.from([255, 0]));
    },
  });
  const seen = sessions.at(-1)!;
  assert.deepEqual(seen.streams, ['error', 'stdin', 'stdout', 'resize']);
  assert.equal(seen.resize, size);
  assert.equal(r.stdout, 'X');
});

test('a failure Status with the exit code reaches channel 3', async () => {
  nextStatus = { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } };
  const r = await wsChannels({ socketPath, path: '/?stdin', stdin: [Buffer.from('q')] });
  nextStatus = { metadata: {}, status: 'Success' };
  assert.equal(r.status?.details?.causes?.[0]?.message, '3');
});

test('v4 has no half-close: channel 255 is ignored, and the client leaving ends the session', async () => {
  const r = await wsChannels({
    socketPath,
    path: '/?stdin',
    protocol: 'v4.channel.k8s.io',
    stdin: [Buffer.from('v4')],
    onOpen: (ws) => {
      ws.on('message', (m: Buffer) => m[0] === 1 && ws.close());
    },
  });
  const seen = sessions.at(-1)!;
  await seen.closed;
  assert.equal(seen.stdinFin, false);
  assert.equal(r.stdout, 'V4');
});
