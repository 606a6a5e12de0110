// An HTTP watch whose storage watch ends by itself (history it owed was compacted, e.g. an etcd watch
// resuming after an outage): the stream carries the events it had, then one ERROR event with a 410
// Expired Status (what makes client-go's reflector relist), then the response ends — instead of
// staying open and silent until its timeout. A watch over a WebSocket gets the same, then a close.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { WebSocket } from 'ws';
import { createTestPki, startTestApiServer, testBearerToken, type TestApiServer, type TestPki } from '../../../test/support/api-server.js';
import { expiringWatches, type ExpiringWatches } from '../../../test/support/expiring-watches.js';
import { eventually } from '../../../test/support/eventually.js';

let pki: TestPki;
let api: TestApiServer;
let watches: ExpiringWatches;

function call(method: string, path: string, body?: unknown): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, { method, ca: pki.caPem, headers: { authorization: `Bearer ${testBearerToken}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ code: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A watch whose lines arrive as they come; `ended` resolves when the server ends the response. */
function openWatch(path: string) {
  const lines: Array<{ type: string; object: Record<string, any> }> = [];
  let buffered = '';
  let done = false;
  const ended = new Promise<number>((resolve, reject) => {
    const req = request(`${api.url}${path}`, { ca: pki.caPem, headers: { authorization: `Bearer ${testBearerToken}` } }, (res) => {
      res.setEncoding('utf8').on('data', (c: string) => {
        buffered += c;
        for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
          lines.push(JSON.parse(buffered.slice(0, i)));
          buffered = buffered.slice(i + 1);
        }
      });
      res.on('end', () => {
        done = true;
        resolve(res.statusCode!);
      });
    });
    req.on('error', reject);
    req.end();
  });
  return { lines, ended, isDone: () => done };
}

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

describe('HTTP watch ended by the storage', () => {
  before(async () => {
    pki = await createTestPki();
    api = await startTestApiServer(pki);
    watches = expiringWatches(api.plane.context.store.backend);
  });
  after(async () => {
    watches.restore();
    await api.close();
    pki.remove();
  });

  it('sends the events it had, then a 410 Expired ERROR event, then ends the response', async () => {
    const list = JSON.parse((await call('GET', '/api/v1/namespaces/default/configmaps')).body);
    const w = openWatch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=60`);
    await eventually(() => watches.open('/configmaps/default/') === 1, 3000, 'the watch to open');
    const created = JSON.parse((await call('POST', '/api/v1/namespaces/default/configmaps', cm('http-before-end'))).body);
    await eventually(() => w.lines.some((l) => l.object.metadata?.name === 'http-before-end'), 3000, 'the ADDED event');

    assert.equal(await watches.expire('/configmaps/default/'), 1);
    const code = await Promise.race([w.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the response did not end')), 3000))]);
    assert.equal(code, 200);
    const last = w.lines.at(-1)!;
    assert.equal(last.type, 'ERROR');
    assert.equal(last.object.kind, 'Status');
    assert.equal(last.object.apiVersion, 'v1');
    assert.equal(last.object.status, 'Failure');
    assert.equal(last.object.reason, 'Expired');
    assert.equal(last.object.code, 410);
    // The revision the client had reached, as upstream's "too old resource version" names it.
    assert.equal(last.object.message.split(' ')[4], created.metadata.resourceVersion);
    assert.match(last.object.message, /^too old resource version: \d+ \(\d+\)$/);
    assert.deepEqual(w.lines.map((l) => l.type), ['ADDED', 'ERROR']);
  });

  it('over a WebSocket: the events, the 410 Expired ERROR message, then a normal close', async () => {
    const list = JSON.parse((await call('GET', '/api/v1/namespaces/kube-public/configmaps')).body);
    const ws = new WebSocket(`wss://127.0.0.1:${api.port}/api/v1/namespaces/kube-public/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, ['base64.binary.k8s.io'], {
      ca: pki.caPem,
      headers: { authorization: `Bearer ${testBearerToken}` },
    });
    const messages: Array<{ type: string; object: Record<string, any> }> = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await eventually(() => watches.open('/configmaps/kube-public/') === 1, 3000, 'the watch to open');
    await call('POST', '/api/v1/namespaces/kube-public/configmaps', cm('ws-before-end'));
    await eventually(() => messages.some((m) => m.object.metadata?.name === 'ws-before-end'), 3000, 'the ADDED message');

    assert.equal(await watches.expire('/configmaps/kube-public/'), 1);
    const code = await Promise.race([closed, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('the socket was not closed')), 3000))]);
    assert.equal(code, 1000);
    assert.deepEqual(messages.map((m) => m.type), ['ADDED', 'ERROR']);
    assert.equal(messages[1]!.object.reason, 'Expired');
    assert.equal(messages[1]!.object.code, 410);
  });
});
