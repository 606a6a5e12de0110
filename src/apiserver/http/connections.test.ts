import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createTestPki, startTestApiServer, type TestApiServer, type TestPki } from '../../../test/support/api-server.js';

/** A TLS connection from `localAddress`, resolved once the handshake is done or it was refused. */
function open(port: number, localAddress: string): Promise<{ socket: TLSSocket; ok: boolean }> {
  return new Promise((resolve) => {
    // tls.connect passes localAddress on to the TCP socket, though its option type does not say so.
    const options = { port, host: '127.0.0.1', localAddress, rejectUnauthorized: false } as ConnectionOptions;
    const socket = connect(options, () => resolve({ socket, ok: true }));
    socket.on('error', () => resolve({ socket, ok: false }));
    socket.on('close', () => resolve({ socket, ok: false }));
  });
}

describe('connection limits', () => {
  let pki: TestPki;
  let server: TestApiServer;
  const warnings: Array<Record<string, unknown>> = [];

  before(async () => {
    pki = await createTestPki();
    server = await startTestApiServer(pki, { limits: { maxConnectionsPerIp: 4, maxConnections: 6 }, warn: (_msg, fields) => warnings.push(fields) });
  });
  after(async () => {
    await server?.close();
    pki?.remove();
  });

  it('refuses a client past its share of connections, and others past the total, while earlier ones keep working', async () => {
    const first = await Promise.all(Array.from({ length: 4 }, () => open(server.port, '127.0.0.1')));
    assert.ok(first.every((c) => c.ok), 'four connections from one address are taken');
    const fifth = await open(server.port, '127.0.0.1');
    assert.equal(fifth.ok, false, 'the fifth from the same address is refused');
    assert.match(String(warnings[0]?.reason), /4 connections from this address are open/);

    const other = await Promise.all([open(server.port, '127.0.0.2'), open(server.port, '127.0.0.2')]);
    assert.ok(other.every((c) => c.ok), 'another address still gets in up to the total');
    const beyondTotal = await open(server.port, '127.0.0.3');
    assert.equal(beyondTotal.ok, false, 'the seventh connection overall is refused');

    // A held connection still answers, and a closed one frees its place.
    const answer = await new Promise<string>((resolve) => {
      const s = first[0]!.socket;
      let text = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        text += d;
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    assert.match(answer, /^HTTP\/1\.1 200 /);
    first[1]!.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await open(server.port, '127.0.0.1');
    assert.equal(again.ok, true);
    for (const c of [...first, ...other, again]) c.socket.destroy();
  });
});
