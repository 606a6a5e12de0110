import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { createTunnelSession, type TunnelSession } from './session.js';

/** A websocket pair on loopback: the "server" dials streams, the "agent" connects them to `echo`. */
async function pair(onOpen: (target: string, s: import('node:stream').Duplex) => Promise<void>) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const serverSide = new Promise<TunnelSession>((resolve) => wss.once('connection', (ws) => resolve(createTunnelSession(ws))));
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const agent = createTunnelSession(ws, { onOpen });
  await new Promise((r) => ws.once('open', r));
  return { server: await serverSide, agent, close: () => (agent.close(), wss.close()) };
}

async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const readAll = (s: import('node:stream').Duplex) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', reject);
  });

test('streams opened from the server reach the agent-side target and carry bytes both ways, many at once', async () => {
  const echo = await echoServer();
  const t = await pair(async (target, stream) => {
    assert.equal(target, 'echo');
    await new Promise<void>((resolve, reject) => {
      const sock = connect(echo.port, '127.0.0.1', () => {
        sock.pipe(stream).pipe(sock);
        resolve();
      });
      sock.once('error', reject);
    });
  });
  try {
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const s = await t.server.open('echo');
        const body = `stream ${i} `.repeat(5000);
        const got = readAll(s);
        s.end(body);
        return [await got, body];
      }),
    );
    for (const [got, want] of results) assert.equal(got, want);
  } finally {
    t.close();
    echo.server.close();
  }
});

test('a refused target fails the open with the agent\'s reason; a closed tunnel fails open at once', async () => {
  const t = await pair(async (target) => {
    throw new Error(`no such target on this node: ${target}`);
  });
  await assert.rejects(t.server.open('nope'), /no such target on this node: nope/);
  t.close();
  await t.server.closed;
  await assert.rejects(t.server.open('echo'), /tunnel closed/);
});
