// pods/exec, attach and portforward at the API server, without containers: every refusal is a
// Status kubectl can print (who asks, which pod, which container, which node, a runtime that cannot
// stream), a plain request is told to upgrade, and discovery lists the subresources.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createTestPki, startTestApiServer, testBearerToken, type TestApiServer, type TestPki } from '../../../test/support/api-server.js';
import { createTunnelRegistry, type TunnelRegistry } from '../tunnels.js';
import { createStreamingHandler } from '../../kubelet/streaming/handler.js';
import { podsType } from '../../kubelet/pod-sync.js';

let pki: TestPki;
let api: TestApiServer;
let tunnels: TunnelRegistry;
let kubeletApi: Server;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k3ts-podstream-'));
  pki = await createTestPki();
  tunnels = createTunnelRegistry();
  api = await startTestApiServer(pki, { tunnels });
  // A node on the simulated runtime: it knows the pod's container but cannot stream.
  const socketPath = join(dir, 'kubelet.sock');
  kubeletApi = createServer((_req, res) => res.writeHead(404).end());
  kubeletApi.on(
    'upgrade',
    createStreamingHandler({
      runtime: { version: async () => ({ name: 'sim', version: '0' }) },
      findContainer: (_ns, pod, c) => (c === 'main' ? { id: 'c1' } : `container "${c}" in pod "${pod}" is not available`),
      findSandbox: () => ({ id: 's1' }),
    }),
  );
  await new Promise<void>((r) => kubeletApi.listen(socketPath, r));
  tunnels.registerLocal('sim-node', async () => connect(socketPath));
  const pod = (name: string, nodeName?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'main', image: 'busybox' }, { name: 'side', image: 'busybox' }] },
  });
  for (const [name, node] of [['web', 'sim-node'], ['lonely', undefined], ['far', 'ghost-node']] as const) await api.plane.client.create(podsType, pod(name, node) as never);
});

after(async () => {
  kubeletApi.closeAllConnections();
  await new Promise((r) => kubeletApi.close(r));
  await api.close();
  await tunnels.close();
  pki.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a websocket as kubectl does; resolves with the refusal's status and Status body. */
function refusal(path: string, o: { token?: string | null } = {}): Promise<{ code: number; status: { message?: string; reason?: string; code?: number } }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = o.token === null ? {} : { authorization: `Bearer ${o.token ?? testBearerToken}` };
    const ws = new WebSocket(`wss://127.0.0.1:${api.port}${path}`, ['v5.channel.k8s.io'], { ca: pki.caPem, headers });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ code: res.statusCode!, status: JSON.parse(body) }));
    });
  });
}

const exec = (pod: string, q = 'command=true&stdout=true&container=main') => `/api/v1/namespaces/default/pods/${pod}/exec?${q}`;

test('a node whose runtime cannot stream says so in the Status', async () => {
  const r = await refusal(exec('web'));
  assert.equal(r.code, 400);
  assert.equal(r.status.message, 'exec is not supported by the simulated runtime (--runtime sim)');
  // port-forward the way kubectl falls back to it: a SPDY upgrade.
  const pf = await get('/api/v1/namespaces/default/pods/web/portforward', { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' } });
  assert.equal(pf.status, 400);
  assert.equal(JSON.parse(pf.body).message, 'port-forward is not supported by the simulated runtime (--runtime sim)');
});

test('the container: defaulted to the first, refused when the pod has no such container', async () => {
  assert.equal((await refusal(exec('web', 'command=true&stdout=true'))).status.message, 'exec is not supported by the simulated runtime (--runtime sim)');
  const wrong = await refusal(exec('web', 'command=true&stdout=true&container=nope'));
  assert.deepEqual([wrong.code, wrong.status.reason, wrong.status.message], [400, 'BadRequest', 'container nope is not valid for pod web']);
});

test('who asks, which pod, which node', async () => {
  assert.equal((await refusal(exec('web'), { token: null })).code, 401);
  const missing = await refusal(exec('nope'));
  assert.deepEqual([missing.code, missing.status.message], [404, 'pods "nope" not found']);
  const unbound = await refusal(exec('lonely'));
  assert.deepEqual([unbound.code, unbound.status.message], [400, 'pod lonely does not have a host assigned']);
  const far = await refusal(exec('far'));
  assert.equal(far.code, 502);
  assert.match(far.status.message!, /cannot reach the kubelet of node "ghost-node": node "ghost-node" has no tunnel/);
});

test('a plain request to exec is told an upgrade is required; discovery lists the subresources', async () => {
  const plain = await get(exec('web'));
  assert.equal(plain.status, 400);
  assert.equal(JSON.parse(plain.body).message, 'Upgrade request required');
  const list = JSON.parse((await get('/api/v1')).body) as { resources: Array<{ name: string; verbs: string[] }> };
  for (const sub of ['pods/exec', 'pods/attach', 'pods/portforward']) {
    assert.deepEqual(list.resources.find((r) => r.name === sub)?.verbs, ['create', 'get'], sub);
  }
});

function get(path: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${testBearerToken}`, ...o.headers };
    request(`https://127.0.0.1:${api.port}${path}`, { ca: pki.caPem, method: o.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}
