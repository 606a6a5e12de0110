// Two independent API servers behind one client: requests spread over both, keep working while one
// is down, and use it again once the probe finds it back. A server that takes a request and never
// answers gets a GET retried elsewhere, never a POST.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { createHttpClient } from './http-client.js';
import { createServerPool, type ServerPool } from './server-pool.js';
import { ServerUnavailableError } from './status-error.js';
import type { WatchEvent } from './types.js';
import { createTestPki, startTestApiServer, type TestApiServer, type TestPki } from '../../test/support/api-server.js';

const configmaps = { group: '', version: 'v1', resource: 'configmaps' };
const namespaces = { group: '', version: 'v1', resource: 'namespaces' };
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { test: 'failover' } }, data: {} });

async function until(check: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('client-side load balancing over two API servers', () => {
  let pki: TestPki;
  let a: TestApiServer;
  let b: TestApiServer;
  let pool: ServerPool;
  let client: ReturnType<typeof createHttpClient>;
  const changes: string[][] = [];
  /** Names of this test's ConfigMaps stored on one server. */
  const storedOn = async (s: TestApiServer) => (await s.plane.client.list(configmaps, { namespace: 'default', labelSelector: 'test=failover' })).items.map((o) => o.metadata.name!);

  before(async () => {
    pki = await createTestPki();
    [a, b] = await Promise.all([startTestApiServer(pki), startTestApiServer(pki)]);
    pool = createServerPool({ servers: [a.url, b.url], ca: pki.caPem, probeIntervalMs: 50, maxBackoffMs: 200, onChange: (h) => changes.push(h) });
    client = createHttpClient({ pool, ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem });
  });
  after(async () => {
    client.close();
    pool.close();
    await Promise.all([a.close(), b.close()]);
    pki.remove();
  });

  it('spreads requests over both servers', async () => {
    for (let i = 0; i < 10; i++) await client.create(configmaps, cm(`spread-${i}`));
    const [onA, onB] = await Promise.all([storedOn(a), storedOn(b)]);
    assert.equal(onA.length, 5, `on A: ${onA.join(' ')}`);
    assert.equal(onB.length, 5, `on B: ${onB.join(' ')}`);
  });

  it('with one server down, every verb still succeeds on the other; it is used again once the probe finds it back', async () => {
    await a.stop();
    try {
      for (let i = 0; i < 4; i++) assert.equal((await client.get(namespaces, undefined, 'default')).metadata.name, 'default');
      assert.deepEqual(pool.healthy(), [b.url]);
      // Never connected, so even a POST is safe to send to the other server.
      await client.create(configmaps, cm('while-a-down'));
      await client.patch(configmaps, 'default', 'while-a-down', { type: 'merge', body: { data: { k: 'v' } } });
      await client.delete(configmaps, 'default', 'spread-1');
      assert.ok((await storedOn(b)).includes('while-a-down'));
      assert.ok(!(await storedOn(a)).includes('while-a-down'));
    } finally {
      await a.start();
    }
    await until(() => pool.healthy().length === 2, 'A back in rotation');
    assert.deepEqual(changes, [[b.url], [a.url, b.url]]);
    for (let i = 0; i < 4; i++) await client.create(configmaps, cm(`after-${i}`));
    const onA = await storedOn(a);
    assert.equal(onA.filter((n) => n.startsWith('after-')).length, 2, `after fail back, A holds ${onA.join(' ')}`);
  });

  it('with both servers down, the error names both', async () => {
    await Promise.all([a.stop(), b.stop()]);
    try {
      const err = await client.get(namespaces, undefined, 'default').catch((e: unknown) => e);
      assert.ok(err instanceof ServerUnavailableError);
      assert.deepEqual([...err.servers].sort(), [a.url, b.url].sort());
      assert.match(err.message, /^cannot reach any API server: /);
      assert.ok(err.message.includes(`${a.url} (ECONNREFUSED)`) && err.message.includes(`${b.url} (ECONNREFUSED)`), err.message);
    } finally {
      await Promise.all([a.start(), b.start()]);
    }
    await until(() => pool.healthy().length === 2, 'both back');
  });

  it('a watch whose server goes away closes, and watching again lands on the other server', async () => {
    const first: WatchEvent[] = [];
    const closes: unknown[] = [];
    const stop = new AbortController();
    // Each server holds different objects; the replay shows which one this watch uses.
    await client.watch(configmaps, { namespace: 'default', labelSelector: 'test=failover' }, { onEvent: (e) => first.push(e), onClose: (err) => closes.push(err) }, stop.signal);
    const names = first.map((e) => e.object.metadata.name).sort().join(' ');
    const [onA, onB] = await Promise.all([storedOn(a), storedOn(b)]);
    const served = names === onA.sort().join(' ') ? a : b;
    const other = served === a ? b : a;
    assert.equal(names, (await storedOn(served)).sort().join(' '));
    assert.notEqual(onA.sort().join(' '), onB.sort().join(' '));
    await served.stop();
    try {
      await until(() => closes.length === 1, 'onClose');
      const again: WatchEvent[] = [];
      await client.watch(configmaps, { namespace: 'default', labelSelector: 'test=failover' }, { onEvent: (e) => again.push(e) }, stop.signal);
      assert.equal(again.map((e) => e.object.metadata.name).sort().join(' '), (await storedOn(other)).sort().join(' '));
      stop.abort();
    } finally {
      await served.start();
    }
    await until(() => pool.healthy().length === 2, 'both back');
  });
});

describe('a server that takes requests and never answers', () => {
  let pki: TestPki;
  let good: TestApiServer;
  let hung: https.Server;
  let hungUrl: string;
  const held: ServerResponse[] = [];
  const hungRequests: string[] = [];

  before(async () => {
    pki = await createTestPki();
    good = await startTestApiServer(pki);
    hung = https.createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem }, (req, res) => {
      hungRequests.push(`${req.method} ${req.url}`);
      held.push(res);
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    hungUrl = `https://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of held) res.destroy();
    hung.closeAllConnections();
    await new Promise((r) => hung.close(r));
    await good.close();
    pki.remove();
  });

  it('a POST to a server that refuses the connection is sent to the next one: nothing reached the first', async () => {
    const probe = https.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const deadUrl = `https://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((r) => probe.close(r));
    const pool = createServerPool({ servers: [deadUrl, good.url], ca: pki.caPem, probeIntervalMs: 60_000 });
    const client = createHttpClient({ pool, ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem });
    try {
      const created = await client.create(configmaps, cm('refused-first'));
      assert.equal(created.metadata.name, 'refused-first');
      assert.deepEqual(pool.healthy(), [good.url]);
      await good.plane.client.delete(configmaps, 'default', 'refused-first');
    } finally {
      client.close();
      pool.close();
    }
  });

  it('a GET times out there and is answered by the other server; a POST fails without being sent twice', async () => {
    const pool = createServerPool({ servers: [hungUrl, good.url], ca: pki.caPem, probeIntervalMs: 60_000 });
    const client = createHttpClient({ pool, ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem, timeoutMs: 200 });
    try {
      // The first pick is the hung server.
      const started = Date.now();
      assert.equal((await client.get(namespaces, undefined, 'default')).metadata.name, 'default');
      assert.ok(Date.now() - started >= 190, 'the GET waited for the time limit first');
      assert.deepEqual(hungRequests, ['GET /api/v1/namespaces/default']);
      assert.deepEqual(pool.healthy(), [good.url]);

      // Back in rotation (as after a successful probe), the hung server gets the POST first.
      pool.markHealthy(hungUrl);
      while (pool.pick() !== good.url);
      const err = await client.create(configmaps, cm('maybe')).catch((e: unknown) => e);
      assert.ok(err instanceof ServerUnavailableError, String(err));
      assert.match(err.message, new RegExp(`^POST /api/v1/namespaces/default/configmaps on ${hungUrl} failed before an answer arrived \\(ETIMEDOUT\\); the change may or may not have been applied$`));
      assert.deepEqual(hungRequests.at(-1), 'POST /api/v1/namespaces/default/configmaps');
      assert.deepEqual(await good.plane.client.list(configmaps, { namespace: 'default', labelSelector: 'test=failover' }).then((l) => l.items), []);
    } finally {
      client.close();
      pool.close();
    }
  });
});
