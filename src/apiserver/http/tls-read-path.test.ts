// A keep-alive request that arrives while the previous answer is still being flushed must be read,
// not reset: see tls-read-path.ts. The client stops reading a large answer, so the server's socket
// stays full, then sends a create with a body of several TLS records in one write.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { createTestPki, startTestApiServer, testBearerToken, type TestApiServer, type TestPki } from '../../../test/support/api-server.js';

function configMap(name: string, bytes: number): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: 'x'.repeat(bytes) } });
}

describe('a request sent while the previous answer is still flushing', () => {
  let pki: TestPki;
  let server: TestApiServer;

  before(async () => {
    pki = await createTestPki();
    server = await startTestApiServer(pki);
  });
  after(async () => {
    await server?.close();
    pki?.remove();
  });

  it('is answered on the same connection', async () => {
    const auth = `Authorization: Bearer ${testBearerToken}\r\nHost: x`;
    const socket = connect({ port: server.port, host: '127.0.0.1', rejectUnauthorized: false });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    let text = '';
    socket.setEncoding('latin1');
    const onData = (d: string) => (text += d);
    socket.on('data', onData);
    // More than loopback's socket buffers hold, so the list's answer cannot all leave the server.
    for (let i = 0; i < 6; i++) {
      const big = configMap(`big-${i}`, 900_000);
      socket.write(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\n${auth}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(big)}\r\n\r\n${big}`);
      await waitFor(() => text.includes(`"name":"big-${i}"`) && text.length > 900_000, 'a large create is answered');
      assert.match(text, /^HTTP\/1.1 201/);
      text = '';
    }
    socket.off('data', onData);
    socket.pause();
    socket.write(`GET /api/v1/namespaces/default/configmaps HTTP/1.1\r\n${auth}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const small = configMap('after-big', 200_000);
    socket.write(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\n${auth}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(small)}\r\n\r\n${small}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', onData);
    socket.resume();
    await Promise.race([waitFor(() => (text.match(/HTTP\/1.1 \d+/g) ?? []).length >= 2 && text.includes('"name":"after-big"'), 'both answers arrive'), closed]);
    const statuses = (text.match(/HTTP\/1.1 \d+/g) ?? []).map((s) => s.slice(9));
    socket.destroy();
    assert.deepEqual(statuses, ['200', '201'], 'the GET and the create behind it are both answered');
  });
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
