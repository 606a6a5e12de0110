// The HTTPS client against a real API server: every verb of the Client interface, the API's errors
// with their reasons, paged lists, and watches (replay, changes, bookmarks, 410, abort, a server
// going away).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpClient } from './http-client.js';
import { createServerPool, type ServerPool } from './server-pool.js';
import { hasReason, type Client, type WatchEvent } from './types.js';
import { ServerUnavailableError, StatusError } from './status-error.js';
import { createTestPki, startTestApiServer, testBearerToken, type TestApiServer, type TestPki } from '../../test/support/api-server.js';

const configmaps = { group: '', version: 'v1', resource: 'configmaps' };
const namespaces = { group: '', version: 'v1', resource: 'namespaces' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };

const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data: { n: name } });
const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
});

async function until(check: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HTTPS client', () => {
  let pki: TestPki;
  let server: TestApiServer;
  let pool: ServerPool;
  let client: Client & { close(): void };
  const clients: Array<{ close(): void }> = [];
  const newClient = (extra: { cert?: string; key?: string; token?: string } = {}) => {
    const c = createHttpClient({ pool, ca: pki.caPem, userAgent: 'k3ts-test', ...extra });
    clients.push(c);
    return c;
  };

  before(async () => {
    pki = await createTestPki();
    server = await startTestApiServer(pki, { watchTuning: { bookmarkIntervalMs: 30, defaultTimeoutMs: () => 60_000, maxBufferedBytes: 1 << 26 } });
    pool = createServerPool({ servers: [server.url], ca: pki.caPem, probeIntervalMs: 50 });
    client = newClient({ cert: pki.adminCertPem, key: pki.adminKeyPem });
  });
  after(async () => {
    for (const c of clients) c.close();
    pool.close();
    await server.close();
    pki.remove();
  });

  it('creates, reads, updates, patches and deletes a namespaced object', async () => {
    const created = await client.create(configmaps, cm('crud', { a: '1' }));
    assert.equal(created.metadata.namespace, 'default');
    assert.ok(created.metadata.uid);
    const got = await client.get(configmaps, 'default', 'crud');
    assert.deepEqual(got.data, { n: 'crud' });

    const updated = await client.update(configmaps, { ...got, data: { n: 'changed' } });
    assert.deepEqual(updated.data, { n: 'changed' });
    assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);

    const merged = await client.patch(configmaps, 'default', 'crud', { type: 'merge', body: { data: { m: 'merge' } } });
    assert.deepEqual(merged.data, { n: 'changed', m: 'merge' });
    const jsonPatched = await client.patch(configmaps, 'default', 'crud', { type: 'json', body: [{ op: 'remove', path: '/data/n' }] });
    assert.deepEqual(jsonPatched.data, { m: 'merge' });
    const strategic = await client.patch(configmaps, 'default', 'crud', { type: 'strategic', body: { metadata: { labels: { b: '2' } } } });
    assert.deepEqual(strategic.metadata.labels, { a: '1', b: '2' });

    await client.delete(configmaps, 'default', 'crud');
    await assert.rejects(client.get(configmaps, 'default', 'crud'), (err) => hasReason(err, 'NotFound'));
  });

  it('reads and writes cluster-scoped objects, and finalizes a namespace', async () => {
    const ns = await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'http-client-ns' } });
    assert.deepEqual((ns.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
    const finalized = await client.update(namespaces, { ...ns, spec: { finalizers: [] } }, { subresource: 'finalize' });
    assert.deepEqual((finalized.spec as { finalizers?: string[] }).finalizers ?? [], []);
    const all = await client.list(namespaces);
    assert.ok(all.items.some((n) => n.metadata.name === 'http-client-ns'));
    await client.delete(namespaces, undefined, 'http-client-ns');
    await assert.rejects(client.get(namespaces, undefined, 'http-client-ns'), (err) => hasReason(err, 'NotFound'));
  });

  it('writes and patches the status subresource of a group resource, leaving the spec alone', async () => {
    const d = await client.create(deployments, deployment('status-web'));
    const withStatus = await client.update(deployments, { ...d, spec: { ...(d.spec as object), replicas: 7 }, status: { observedGeneration: 1, replicas: 1 } }, { subresource: 'status' });
    assert.equal((withStatus.status as { replicas: number }).replicas, 1);
    assert.equal((withStatus.spec as { replicas: number }).replicas, 1, 'a status write never changes the spec');
    const patched = await client.patch(deployments, 'default', 'status-web', { type: 'merge', body: { status: { readyReplicas: 1 } } }, { subresource: 'status' });
    assert.equal((patched.status as { readyReplicas: number }).readyReplicas, 1);
    const scaled = await client.patch(deployments, 'default', 'status-web', { type: 'strategic', body: { spec: { replicas: 2 } } });
    assert.equal((scaled.spec as { replicas: number }).replicas, 2);
    assert.equal(scaled.kind, 'Deployment');
  });

  it('binds and evicts pods through their subresources, and honours DeleteOptions', async () => {
    await client.create(pods, pod('bound'));
    await client.createSubresource(pods, 'default', 'bound', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-a' } });
    const bound = await client.get(pods, 'default', 'bound');
    assert.equal((bound.spec as { nodeName: string }).nodeName, 'node-a');
    await assert.rejects(
      client.createSubresource(pods, 'default', 'bound', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-b' } }),
      (err) => hasReason(err, 'Conflict') && /already assigned to node "node-a"/.test((err as Error).message),
    );

    // A bound pod waits for its kubelet; a zero grace period in the DeleteOptions body does not.
    await client.delete(pods, 'default', 'bound');
    const terminating = await client.get(pods, 'default', 'bound');
    assert.ok(terminating.metadata.deletionTimestamp);
    await assert.rejects(client.delete(pods, 'default', 'bound', { gracePeriodSeconds: 0, preconditions: { uid: 'not-the-uid' } }), (err) => hasReason(err, 'Conflict'));
    await client.delete(pods, 'default', 'bound', { gracePeriodSeconds: 0 });
    await assert.rejects(client.get(pods, 'default', 'bound'), (err) => hasReason(err, 'NotFound'));

    await client.create(pods, pod('evicted'));
    await client.createSubresource(pods, 'default', 'evicted', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evicted', namespace: 'default' } });
    await assert.rejects(client.get(pods, 'default', 'evicted'), (err) => hasReason(err, 'NotFound'));
  });

  it('throws the API Status as an error: code, reason, message and details', async () => {
    const missing = await client.get(configmaps, 'default', 'nope').catch((e: unknown) => e);
    assert.ok(missing instanceof StatusError);
    assert.equal(missing.code, 404);
    assert.equal(missing.reason, 'NotFound');
    assert.equal(missing.message, 'configmaps "nope" not found');
    assert.equal(missing.details?.name, 'nope');

    await client.create(configmaps, cm('dup'));
    await assert.rejects(client.create(configmaps, cm('dup')), (err) => hasReason(err, 'AlreadyExists') && (err as StatusError).code === 409);

    const current = await client.get(configmaps, 'default', 'dup');
    await client.update(configmaps, { ...current, data: { v: '1' } });
    await assert.rejects(client.update(configmaps, { ...current, data: { v: '2' } }), (err) => hasReason(err, 'Conflict'));

    const invalid = (await client.create(configmaps, cm('Not_Valid')).catch((e: unknown) => e)) as StatusError;
    assert.equal(invalid.reason, 'Invalid');
    assert.equal(invalid.code, 422);
    assert.equal(invalid.details?.causes?.[0]?.field, 'metadata.name');

    await assert.rejects(client.get({ group: 'nothing.example', version: 'v1', resource: 'widgets' }, 'default', 'x'), (err) => hasReason(err, 'NotFound'));
    await assert.rejects(client.get(configmaps, 'no-such-namespace', 'x'), (err) => hasReason(err, 'NotFound'));
  });

  it('authenticates with a bearer token, and without credentials is Unauthorized', async () => {
    const byToken = newClient({ token: testBearerToken });
    assert.equal((await byToken.get(namespaces, undefined, 'default')).metadata.name, 'default');
    const anonymous = newClient();
    await assert.rejects(anonymous.get(namespaces, undefined, 'default'), (err) => hasReason(err, 'Unauthorized') && (err as StatusError).code === 401);
  });

  it('lists with selectors, and pages with limit and continue from one snapshot', async () => {
    for (let i = 0; i < 7; i++) await client.create(configmaps, cm(`page-${i}`, { set: 'page', odd: String(i % 2 === 1) }));
    const odd = await client.list(configmaps, { namespace: 'default', labelSelector: 'set=page,odd=true' });
    assert.deepEqual(odd.items.map((o) => o.metadata.name), ['page-1', 'page-3', 'page-5']);
    assert.ok(odd.items.every((o) => o.kind === 'ConfigMap' && o.apiVersion === 'v1'));
    const byName = await client.list(configmaps, { namespace: 'default', fieldSelector: 'metadata.name=page-4' });
    assert.deepEqual(byName.items.map((o) => o.metadata.name), ['page-4']);

    const first = await client.list(configmaps, { namespace: 'default', labelSelector: 'set=page', limit: 3 });
    assert.equal(first.items.length, 3);
    assert.ok(first.continue);
    await client.create(configmaps, cm('page-9', { set: 'page' }));
    const names = first.items.map((o) => o.metadata.name);
    let token: string | undefined = first.continue;
    while (token) {
      const next = await client.list(configmaps, { namespace: 'default', labelSelector: 'set=page', limit: 3, continue: token });
      assert.equal(next.resourceVersion, first.resourceVersion);
      names.push(...next.items.map((o) => o.metadata.name));
      token = next.continue;
    }
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    const everything = await client.list(configmaps, { labelSelector: 'set=page' });
    assert.equal(everything.items.length, 8, 'without a namespace, a list spans all namespaces');
    assert.equal(everything.continue, undefined);
  });

  it('watches from a revision: changes in order, bookmarks unseen, and abort ends it without onClose', async () => {
    const list = await client.list(configmaps, { namespace: 'default', labelSelector: 'tier=front' });
    const events: WatchEvent[] = [];
    let closes = 0;
    const stop = new AbortController();
    await client.watch(configmaps, { namespace: 'default', labelSelector: 'tier=front', resourceVersion: list.resourceVersion }, { onEvent: (e) => events.push(e), onClose: () => closes++ }, stop.signal);
    await client.create(configmaps, cm('w1', { tier: 'front' }));
    await client.create(configmaps, cm('w2', { tier: 'back' }));
    // Bookmarks come every 30 ms here; none may reach onEvent.
    await new Promise((r) => setTimeout(r, 120));
    await client.patch(configmaps, 'default', 'w1', { type: 'merge', body: { data: { n: 'changed' } } });
    await client.delete(configmaps, 'default', 'w1');
    await until(() => events.length >= 3, 'three events');
    stop.abort();
    await client.create(configmaps, cm('w3', { tier: 'front' }));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    assert.equal(events[1].object.data && (events[1].object.data as { n: string }).n, 'changed');
    assert.equal(closes, 0);
  });

  it('a watch without a revision has replayed the current state when it resolves', async () => {
    for (const name of ['r1', 'r2']) await client.create(configmaps, cm(name, { set: 'replay' }));
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    await client.watch(configmaps, { namespace: 'default', labelSelector: 'set=replay' }, { onEvent: (e) => events.push(e) }, stop.signal);
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED r1', 'ADDED r2']);
    await client.create(configmaps, cm('r3', { set: 'replay' }));
    await until(() => events.length === 3, 'the event after the replay');
    assert.equal(`${events[2].type} ${events[2].object.metadata.name}`, 'ADDED r3');
    stop.abort();
  });

  it('a compacted revision ends the watch with one onClose carrying 410 Expired', async () => {
    const old = await client.list(configmaps, { namespace: 'default' });
    for (let i = 0; i < 3; i++) await client.patch(configmaps, 'default', 'dup', { type: 'merge', body: { data: { v: `c${i}` } } });
    const latest = await client.list(configmaps, { namespace: 'default', limit: 1 });
    await server.plane.context.store.backend.compact(Number(latest.resourceVersion));
    const closes: unknown[] = [];
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    await client.watch(configmaps, { namespace: 'default', resourceVersion: old.resourceVersion }, { onEvent: (e) => events.push(e), onClose: (err) => closes.push(err) }, stop.signal);
    await until(() => closes.length > 0, 'onClose');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closes.length, 1);
    assert.ok(hasReason(closes[0], 'Expired'), `got ${String(closes[0])}`);
    assert.equal((closes[0] as StatusError).code, 410);
    assert.equal(events.length, 0);
    stop.abort();
  });

  it('a server going away ends the watch with one onClose naming it, and the next call says it is unreachable', async () => {
    const closes: unknown[] = [];
    const stop = new AbortController();
    await client.watch(configmaps, { namespace: 'default', resourceVersion: (await client.list(configmaps, { limit: 1 })).resourceVersion }, { onEvent: () => undefined, onClose: (err) => closes.push(err) }, stop.signal);
    await server.stop();
    try {
      await until(() => closes.length > 0, 'onClose');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(closes.length, 1);
      assert.match(String((closes[0] as Error).message), new RegExp(`watch on ${server.url}`));
      const down = await client.get(namespaces, undefined, 'default').catch((e: unknown) => e);
      assert.ok(down instanceof ServerUnavailableError);
      assert.match(down.message, new RegExp(`cannot reach the API server ${server.url} \\(ECONNREFUSED\\)`));
      assert.equal(hasReason(down, 'NotFound'), false);
    } finally {
      await server.start();
    }
    await until(() => pool.healthy().length === 1, 'the probe to find the server back');
    assert.equal((await client.get(namespaces, undefined, 'default')).metadata.name, 'default');
    stop.abort();
  });
});
