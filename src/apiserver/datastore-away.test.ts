// What the API server answers while its datastore cannot be reached (an external database
// restarting), with the SQLite backend made to fail the way the SQL backends do: writes and reads get
// a ServerTimeout client-go retries, /readyz names the failing check, and an open watch with
// bookmarks stays open and carries on when the datastore is back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { StorageError, type Backend } from '../storage/backend.js';
import { createTestPki, startTestApiServer, testBearerToken, type TestApiServer, type TestPki } from '../../test/support/api-server.js';
import { eventually } from '../../test/support/eventually.js';

let pki: TestPki;
let api: TestApiServer;
let restore: (() => void) | undefined;

/** Makes the backend's reads and writes fail as an unreachable database does, until restore(). */
function takeDatastoreAway(backend: Backend): void {
  const away = () => Promise.reject(new StorageError('Unavailable', 'postgres://k3ts:***@db:5432/k3ts: connect ECONNREFUSED'));
  const saved = { get: backend.get, list: backend.list, create: backend.create, currentRevision: backend.currentRevision, watch: backend.watch };
  Object.assign(backend, { get: away, list: away, create: away, currentRevision: away, watch: away });
  restore = () => Object.assign(backend, saved);
}

function call(method: string, path: string, body?: unknown): Promise<{ code: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, { method, ca: pki.caPem, headers: { authorization: `Bearer ${testBearerToken}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ code: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

describe('the API server while its datastore is away', () => {
  before(async () => {
    pki = await createTestPki();
    api = await startTestApiServer(pki, { watchTuning: { bookmarkIntervalMs: 30, defaultTimeoutMs: () => 60_000, maxBufferedBytes: 1 << 26 } });
  });
  after(async () => {
    restore?.();
    await api.close();
    pki.remove();
  });

  it('answers writes and reads with 500 ServerTimeout and Retry-After, and /readyz with the failing check', async () => {
    takeDatastoreAway(api.plane.context.store.backend);
    try {
      const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('away'));
      assert.equal(created.code, 500);
      assert.equal(created.headers['retry-after'], '2');
      const status = JSON.parse(created.body);
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'ServerTimeout');
      assert.equal(status.details.retryAfterSeconds, 2);
      assert.match(status.message, /could not be completed at this time, please try again/);
      const listed = await call('GET', '/api/v1/namespaces/default/configmaps');
      assert.equal(JSON.parse(listed.body).reason, 'ServerTimeout');
      // A watch opened meanwhile ends at once with an ERROR event the reflector backs off from.
      const watched = await call('GET', '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1');
      const event = JSON.parse(watched.body.trim());
      assert.equal(event.type, 'ERROR');
      assert.equal(event.object.reason, 'ServerTimeout');
      const ready = await call('GET', '/readyz');
      assert.equal(ready.code, 500);
      assert.match(ready.body, /\[-\]etcd failed: reason withheld\nreadyz check failed/);
      const reason = await call('GET', '/readyz/etcd');
      assert.match(reason.body, /^internal server error: .*ECONNREFUSED/);
      assert.ok(!reason.body.includes('pw'), reason.body);
    } finally {
      restore?.();
      restore = undefined;
    }
    assert.equal((await call('GET', '/readyz')).body, 'ok');
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', cm('back'))).code, 201);
  });

  it('answers a write cut in flight (may have applied) with an InternalError that says so, not a retry invitation', async () => {
    const backend = api.plane.context.store.backend;
    const saved = backend.create;
    backend.create = () => Promise.reject(new StorageError('OutcomeUnknown', 'etcd http://127.0.0.1:2379: Connection dropped; the write may or may not have been applied'));
    try {
      const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('cut'));
      assert.equal(created.code, 500);
      assert.equal(created.headers['retry-after'], undefined, 'no Retry-After: a blind retry could apply it twice');
      const status = JSON.parse(created.body);
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'InternalError');
      assert.match(status.message, /^Internal error occurred: .*the write may or may not have been applied$/);
    } finally {
      backend.create = saved;
    }
  });

  it('keeps a watch with bookmarks open through the outage; it delivers the next write', async () => {
    const rv = JSON.parse((await call('GET', '/api/v1/namespaces/default/configmaps')).body).metadata.resourceVersion;
    const lines: string[] = [];
    let ended = false;
    const req = request(`${api.url}/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`, { ca: pki.caPem, headers: { authorization: `Bearer ${testBearerToken}` } }, (res) => {
      res.setEncoding('utf8').on('data', (c: string) => lines.push(...c.split('\n').filter(Boolean)));
      res.on('end', () => (ended = true));
    });
    req.on('error', () => (ended = true));
    req.end();
    try {
      await eventually(() => lines.some((l) => l.includes('"BOOKMARK"')), 5000, 'a bookmark');
      takeDatastoreAway(api.plane.context.store.backend);
      // Several bookmark intervals with the datastore away.
      await new Promise((r) => setTimeout(r, 200));
      restore!();
      restore = undefined;
      assert.equal(ended, false, 'the watch is still open');
      assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', cm('after-outage'))).code, 201);
      await eventually(() => lines.some((l) => l.includes('"ADDED"') && l.includes('after-outage')), 5000, 'the write after the outage on the watch');
    } finally {
      req.destroy();
    }
  });
});
