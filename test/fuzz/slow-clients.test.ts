// Clients that are slow, silent or odd on the wire, against a real `k3ts server` with a 2 s request
// timeout: none may hold a socket past its deadline, every answer is a Status, and nothing a
// hung-up client caused is logged as a server error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { httpsRequest, K3tsProcess, type AdminCredentials } from '../durability/k3ts-process.js';

const TIMEOUT_S = 2;

interface Exchange {
  /** Everything the server sent. */
  text: string;
  /** Milliseconds from connecting until the server closed the connection. */
  closedAfterMs: number;
}

/** Opens a TLS connection as the admin, writes `send` (in parts, with pauses), and collects the
 *  answer until the server closes the connection or `giveUpMs` passes. */
function exchange(port: number, creds: AdminCredentials, send: Array<string | number>, giveUpMs = 10_000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let text = '';
    const socket: TLSSocket = tlsConnect({ port, host: '127.0.0.1', ca: creds.ca, cert: creds.cert, key: creds.key, servername: 'localhost' }, async () => {
      for (const part of send) {
        if (typeof part === 'number') await new Promise((r) => setTimeout(r, part));
        else if (!socket.destroyed) socket.write(part);
      }
    });
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms; it sent: ${text.slice(0, 300)}`));
    }, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ text, closedAfterMs: performance.now() - started });
    });
  });
}

function statusOf(answer: string): { code: number; reason: string; message: string } {
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  const json = body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1);
  const status = JSON.parse(json) as { kind: string; code: number; reason: string; message: string };
  assert.equal(status.kind, 'Status', answer);
  return status;
}

describe('slow, silent and odd clients', { timeout: 120_000 }, () => {
  let root: string;
  let server: K3tsProcess;
  let creds: AdminCredentials;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-slow-'));
    server = await K3tsProcess.start({ root, extraArgs: ['--request-timeout', `${TIMEOUT_S}s`] });
    creds = server.credentials();
  });
  after(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('a TCP connection that never starts TLS, and a TLS connection that never asks, are closed at the deadline', async () => {
    const started = performance.now();
    const raw: Socket = netConnect(server.port, '127.0.0.1');
    raw.on('error', () => undefined);
    const rawClosed = new Promise<number>((r) => raw.on('close', () => r(performance.now() - started)));
    const silent = await exchange(server.port, creds, []);
    // Node counts a connection's header deadline from its start: the silent one may get a 408 first.
    if (silent.text !== '') assert.equal(statusOf(silent.text).code, 408);
    assert.ok(silent.closedAfterMs < TIMEOUT_S * 1000 + 2500, `silent TLS closed after ${Math.round(silent.closedAfterMs)} ms`);
    const rawMs = await rawClosed;
    assert.ok(rawMs >= TIMEOUT_S * 1000 - 100 && rawMs < TIMEOUT_S * 1000 + 1500, `raw TCP closed after ${Math.round(rawMs)} ms`);
  });

  test('headers trickling in past the deadline get 408 with a Status, and the connection closes', async () => {
    const slow = await exchange(server.port, creds, ['GET /version HTTP/1.1\r\nHo', 4000, 'st: x\r\n\r\n']);
    assert.match(slow.text, /^HTTP\/1\.1 408 /);
    assert.equal(statusOf(slow.text).reason, 'Timeout');
    assert.ok(slow.closedAfterMs < TIMEOUT_S * 1000 + 1500, `closed after ${Math.round(slow.closedAfterMs)} ms`);
  });

  test('a body trickling in past the deadline gets 408 with a Status, and nothing is created', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'slow-body' }, data: { a: 'b' } });
    const head = `POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const slow = await exchange(server.port, creds, [head, body.slice(0, 10), 4000, body.slice(10)]);
    assert.match(slow.text, /^HTTP\/1\.1 408 /);
    assert.match(statusOf(slow.text).message, /the request body did not arrive within 2s/);
    const get = await httpsRequest({ url: `${server.url}/api/v1/namespaces/default/configmaps/slow-body`, creds });
    assert.equal(get.status, 404);
  });

  test('a watch outlives the request timeout and still gets its events', async () => {
    const watch = httpsRequest({ url: `${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0`, creds, closeAfterHeadersMs: (TIMEOUT_S + 2) * 1000, timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, (TIMEOUT_S + 1) * 1000));
    const create = await httpsRequest({
      url: `${server.url}/api/v1/namespaces/default/configmaps`,
      creds,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'late-event' } }),
    });
    assert.equal(create.status, 201);
    const seen = await watch;
    assert.equal(seen.status, 200);
    assert.match(seen.body.toString(), /"type":"ADDED".*"name":"late-event"/);
  });

  test('oddities on the wire are answered with a Status: no Host, CONNECT, an upgrade to nothing', async () => {
    const noHost = await exchange(server.port, creds, ['GET /version HTTP/1.1\r\nConnection: close\r\n\r\n']);
    assert.match(noHost.text, /^HTTP\/1\.1 400 /);
    assert.equal(statusOf(noHost.text).message, 'missing required Host header');
    const connect = await exchange(server.port, creds, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n']);
    assert.match(connect.text, /^HTTP\/1\.1 405 /);
    assert.equal(statusOf(connect.text).reason, 'MethodNotAllowed');
    const upgrade = await exchange(server.port, creds, [
      'GET /api/v1/namespaces/default/pods/x/nothing HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    ]);
    assert.match(upgrade.text, /^HTTP\/1\.1 404 /);
    assert.equal(statusOf(upgrade.text).reason, 'NotFound');
  });

  test('clients that hang up mid-request are not logged as server errors', async () => {
    const head = 'POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"metadata":';
    await new Promise<void>((resolve) => {
      const s = tlsConnect({ port: server.port, host: '127.0.0.1', ca: creds.ca, cert: creds.cert, key: creds.key, servername: 'localhost' }, () => {
        s.write(head);
        setTimeout(() => s.destroy(), 200);
      });
      s.on('error', () => undefined);
      s.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.doesNotMatch(server.log, /ERROR/);
    assert.doesNotMatch(server.log, /MaxListenersExceededWarning/);
  });
});
