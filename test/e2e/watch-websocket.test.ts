// Watches over a WebSocket, as a browser opens them: the bearer token rides in the subprotocol
// base64url.bearer.authorization.k8s.io.<token>, the server answers with the data subprotocol the
// client offered (base64.binary.k8s.io or binary.k8s.io) and sends one message per watch event;
// a bad token is refused with 401 and a user without rights with 403, before any handshake.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import WebSocket from 'ws';
import { expectOk, kubectls, TestServer } from './harness.js';

const ADMIN_TOKEN = 'ws-admin-token-5c1f0e';
const NOBODY_TOKEN = 'ws-nobody-token-a93b27';
const bearer = (token: string) => `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url')}`;

describe('watch over a WebSocket', { timeout: 90_000 }, () => {
  let server: TestServer;
  let ca: string;
  const kubectl = (args: string[]) => server.kubectl(args, { bin: kubectls[0]!.bin });
  const wsUrl = (path: string) => `${server.url.replace('https:', 'wss:')}${path}`;

  before(async () => {
    server = await TestServer.start({ tokenAuthCsv: `${ADMIN_TOKEN},alice,1001,"system:masters"\n${NOBODY_TOKEN},nobody,1002` });
    const kubeconfig = parse(readFileSync(server.kubeconfig, 'utf8'));
    ca = Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
  });

  after(async () => {
    await server?.stop();
  });

  /** Opens a socket and resolves with it once open, or with the HTTP answer that refused it. */
  function open(path: string, protocols: string[]): Promise<{ ws: WebSocket; messages: { text: string; binary: boolean }[] } | { status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl(path), protocols, { ca });
      const messages: { text: string; binary: boolean }[] = [];
      ws.on('message', (data, binary) => messages.push({ text: data.toString(), binary }));
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', reject);
    });
  }

  async function eventFor(messages: { text: string; binary: boolean }[], name: string): Promise<{ type: string; object: { metadata: { name: string } } }> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      for (const m of messages) {
        assert.equal(m.binary, false, 'watch events are text frames');
        const ev = JSON.parse(m.text);
        if (ev.object?.metadata?.name === name) return ev;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no event for ${name} within 10 s; got ${messages.length} messages`);
  }

  for (const protocol of ['base64.binary.k8s.io', 'binary.k8s.io']) {
    it(`streams events with the bearer token in a subprotocol, answering ${protocol}`, async () => {
      const opened = await open('/api/v1/namespaces/default/configmaps?watch=true', [protocol, bearer(ADMIN_TOKEN)]);
      assert.ok('ws' in opened, `refused: ${JSON.stringify(opened)}`);
      const { ws, messages } = opened;
      // Only the data subprotocol is echoed, never the one carrying the token.
      assert.equal(ws.protocol, protocol);
      const name = `cm-${protocol.split('.')[0]}`;
      expectOk(await kubectl(['create', 'configmap', name, '--from-literal=a=1']));
      const added = await eventFor(messages, name);
      assert.equal(added.type, 'ADDED');
      expectOk(await kubectl(['delete', 'configmap', name]));
      await new Promise<void>((resolve) => {
        const check = () => (messages.some((m) => JSON.parse(m.text).type === 'DELETED') ? resolve() : setTimeout(check, 100));
        check();
      });
      ws.close();
    });
  }

  it('ends the socket when the watch times out', async () => {
    const opened = await open('/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1', ['binary.k8s.io', bearer(ADMIN_TOKEN)]);
    assert.ok('ws' in opened);
    const code = await new Promise<number>((resolve) => opened.ws.once('close', (c) => resolve(c)));
    assert.equal(code, 1000);
  });

  it('refuses a bad token with 401, a user without rights with 403, a token alone with 401', async () => {
    const bad = await open('/api/v1/configmaps?watch=true', ['base64.binary.k8s.io', bearer('not-a-token')]);
    assert.ok('status' in bad);
    assert.equal(bad.status, 401);
    assert.equal(JSON.parse(bad.body).reason, 'Unauthorized');

    const nobody = await open('/api/v1/configmaps?watch=true', ['base64.binary.k8s.io', bearer(NOBODY_TOKEN)]);
    assert.ok('status' in nobody);
    assert.equal(nobody.status, 403);
    assert.match(JSON.parse(nobody.body).message, /User "nobody" cannot watch resource "configmaps"/);

    // Upstream needs another subprotocol beside the token, so that one can be echoed back.
    const alone = await open('/api/v1/configmaps?watch=true', [bearer(ADMIN_TOKEN)]);
    assert.ok('status' in alone);
    assert.equal(alone.status, 401);

    const none = await open('/api/v1/configmaps?watch=true', ['base64.binary.k8s.io']);
    assert.ok('status' in none);
    assert.equal(none.status, 401);
  });

  it('counts the socket watches in the request metrics', async () => {
    const metrics = expectOk(await kubectl(['get', '--raw', '/metrics']));
    // Two sockets above watched configmaps in default, one with timeoutSeconds; all have ended.
    const switched = /^apiserver_request_total\{verb="WATCH",group="",version="v1",resource="configmaps",subresource="",scope="namespace",component="apiserver",code="101"\} (\d+)$/m.exec(metrics);
    assert.ok(switched && Number(switched[1]) >= 2, `WATCH configmaps code 101 counted: ${switched?.[0]}`);
    assert.match(metrics, /^apiserver_request_total\{[^}]*resource="configmaps"[^}]*code="403"\} \d+$/m);
  });

  it('answers 404 for a kind it does not serve, before the handshake', async () => {
    const missing = await open('/apis/example.com/v1/widgets?watch=true', ['binary.k8s.io', bearer(ADMIN_TOKEN)]);
    assert.ok('status' in missing);
    assert.equal(missing.status, 404);
  });
});
