// DELETE and DELETE-collection with a protobuf DeleteOptions body, over HTTPS, as client-go's typed
// clients (helm's release storage among them) send it: decoded and checked exactly like JSON, and a
// bad body deletes nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import protobuf from 'protobufjs';
import { protobufjsDescriptor } from '../protobuf/schema.js';
import { createTestPki, startTestApiServer, testBearerToken, type TestApiServer, type TestPki } from '../../../test/support/api-server.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const root = protobuf.Root.fromJSON(protobufjsDescriptor());
function deleteOptions(fields: Record<string, unknown>, apiVersion = 'v1'): Buffer {
  const raw = root.lookupType('k3ts.DeleteOptions').encode(fields).finish();
  const unknown = root.lookupType('k3ts.Unknown').encode({ typeMeta: { apiVersion, kind: 'DeleteOptions' }, raw }).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

function send(api: TestApiServer, pki: TestPki, method: string, path: string, body?: Buffer | string, contentType = 'application/json') {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${testBearerToken}`, accept: 'application/json' };
    // Node sends a DELETE body without chunking, so its length must be said.
    if (body !== undefined) Object.assign(headers, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
    const req = request(`${api.url}${path}`, { method, ca: pki.caPem, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('DELETE with a protobuf DeleteOptions body', () => {
  let pki: TestPki;
  let api: TestApiServer;
  before(async () => {
    pki = await createTestPki();
    api = await startTestApiServer(pki);
  });
  after(async () => {
    await api?.close();
    pki?.remove();
  });

  const call = (method: string, path: string, body?: Buffer | string, contentType?: string) => send(api, pki, method, path, body, contentType);
  const secret = (name: string, labels: Record<string, string> = {}) =>
    call('POST', '/api/v1/namespaces/default/secrets', JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, labels }, stringData: { a: 'b' } }));

  it('deletes with an empty protobuf body (helm uninstall) and with options set', async () => {
    assert.equal((await secret('release-v1')).status, 201);
    const r = await call('DELETE', '/api/v1/namespaces/default/secrets/release-v1', deleteOptions({}), PROTOBUF);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await call('GET', '/api/v1/namespaces/default/secrets/release-v1')).status, 404);

    assert.equal((await secret('graceful')).status, 201);
    const opts = deleteOptions({ gracePeriodSeconds: 0, propagationPolicy: 'Background' });
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/secrets/graceful', opts, PROTOBUF)).status, 200);
  });

  it('honours dryRun and preconditions from the protobuf body', async () => {
    const created = await secret('kept');
    const dry = await call('DELETE', '/api/v1/namespaces/default/secrets/kept', deleteOptions({ dryRun: ['All'] }), PROTOBUF);
    assert.equal(dry.status, 200);
    assert.equal((await call('GET', '/api/v1/namespaces/default/secrets/kept')).status, 200, 'a dry run deletes nothing');
    const wrongUid = await call('DELETE', '/api/v1/namespaces/default/secrets/kept', deleteOptions({ preconditions: { uid: 'not-the-uid' } }), PROTOBUF);
    assert.equal(wrongUid.status, 409, JSON.stringify(wrongUid.body));
    const rightUid = await call('DELETE', '/api/v1/namespaces/default/secrets/kept', deleteOptions({ preconditions: { uid: created.body.metadata.uid } }), PROTOBUF);
    assert.equal(rightUid.status, 200);
  });

  it('refuses bad options with 400/422 and deletes nothing', async () => {
    assert.equal((await secret('survivor')).status, 201);
    const cases: Array<[Buffer, number, RegExp]> = [
      [deleteOptions({ gracePeriodSeconds: -5 }), 422, /gracePeriodSeconds: Invalid value: -5/],
      [deleteOptions({ propagationPolicy: 'Sideways' }), 422, /Unsupported value: "Sideways"/],
      [deleteOptions({ dryRun: ['Yes'] }), 400, /dryRun: Unsupported value: "Yes"/],
      [Buffer.from('k8s\0\x0a\xff', 'latin1'), 400, /malformed protobuf body/],
      [Buffer.from('{"propagationPolicy":"Orphan"}'), 400, /Kubernetes "k8s\\0" prefix/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call('DELETE', '/api/v1/namespaces/default/secrets/survivor', body, PROTOBUF);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(r.body.message, message);
    }
    assert.equal((await call('GET', '/api/v1/namespaces/default/secrets/survivor')).status, 200);
  });

  it('deletes a collection with a protobuf body, and a bad one deletes none of it', async () => {
    for (const n of ['c1', 'c2']) assert.equal((await secret(n, { set: 'c' })).status, 201);
    const bad = await call('DELETE', '/api/v1/namespaces/default/secrets?labelSelector=set%3Dc', deleteOptions({ gracePeriodSeconds: -1 }), PROTOBUF);
    assert.equal(bad.status, 422);
    assert.equal((await call('GET', '/api/v1/namespaces/default/secrets?labelSelector=set%3Dc')).body.items.length, 2);
    const ok = await call('DELETE', '/api/v1/namespaces/default/secrets?labelSelector=set%3Dc', deleteOptions({ propagationPolicy: 'Background' }), PROTOBUF);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await call('GET', '/api/v1/namespaces/default/secrets?labelSelector=set%3Dc')).body.items.length, 0);
  });

  it('still takes JSON, with or without a Content-Type', async () => {
    assert.equal((await secret('json')).status, 201);
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/secrets/json', '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0}')).status, 200);
  });
});

describe('protobuf Scale and Eviction bodies (typed clients: UpdateScale, EvictV1)', () => {
  let pki: TestPki;
  let api: TestApiServer;
  before(async () => {
    pki = await createTestPki();
    api = await startTestApiServer(pki);
  });
  after(async () => {
    await api?.close();
    pki?.remove();
  });
  const call = (method: string, path: string, body?: Buffer | string, contentType?: string) => send(api, pki, method, path, body, contentType);
  const encode = (apiVersion: string, kind: string, fields: Record<string, unknown>) => {
    const raw = root.lookupType(`k3ts.${kind}`).encode(fields).finish();
    const unknown = root.lookupType('k3ts.Unknown').encode({ typeMeta: { apiVersion, kind }, raw }).finish();
    return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
  };

  it('scales a Deployment up, then to zero (which protobuf sends as no replicas at all)', async () => {
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    assert.equal((await call('POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(deployment))).status, 201);
    for (const replicas of [3, 0]) {
      const body = encode('autoscaling/v1', 'Scale', { metadata: { name: 'web', namespace: 'default' }, spec: { replicas } });
      const r = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', body, PROTOBUF);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.spec.replicas ?? 0, replicas);
      assert.equal((await call('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body.spec.replicas, replicas);
    }
  });

  it('evicts a pod with a protobuf Eviction', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod))).status, 201);
    const body = encode('policy/v1', 'Eviction', { metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0 } });
    const r = await call('POST', '/api/v1/namespaces/default/pods/p/eviction', body, PROTOBUF);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/p')).status, 404);
  });
});
