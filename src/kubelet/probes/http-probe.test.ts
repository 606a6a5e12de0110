import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { createCertificateAuthority, issueServingCertificate } from '../../pki/issue.js';
import { probeEvent, runProbe } from './probe.js';
import type { ProbeTarget } from './types.js';

const noExec = { runtime: { execSync: () => Promise.reject(new Error('unused')) } };
const spec = (ports: Container['ports'] = []): Container => ({ name: 'app', image: 'app:1', ports });
const target = (ports?: Container['ports']): ProbeTarget => ({ containerId: 'c1', podIP: '127.0.0.1', spec: spec(ports) });
const get = (httpGet: NonNullable<Probe['httpGet']>, t = target()) => runProbe({ httpGet, timeoutSeconds: 1 }, t, noExec);

const listen = (server: http.Server | https.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

describe('httpGet probes', () => {
  let hits = 0;
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/healthz') {
      // Healthy the first time, broken afterwards.
      hits++;
      res.writeHead(hits === 1 ? 200 : 500).end(hits === 1 ? 'ok' : 'database down: password=hunter2');
    } else if (req.url === '/hop') res.writeHead(302, { location: '/healthz' }).end();
    else if (req.url === '/away') res.writeHead(301, { location: `http://localhost:${port}/healthz` }).end('moved');
    else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
    else if (req.url === '/big') res.writeHead(200).end('x'.repeat(100_000));
    else if (req.url === '/slow') return; // never answers
    else res.writeHead(404).end();
  });
  let port = 0;
  before(async () => {
    port = await listen(server);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('is healthy for 200 and fails for 500 with the upstream words, keeping the body out', async () => {
    const ok = await get({ port, path: '/healthz' });
    assert.deepEqual(ok, { result: 'success', output: 'ok' });
    assert.equal(probeEvent('liveness', ok), undefined);
    const bad = await get({ port, path: '/healthz' });
    assert.deepEqual(bad, { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
    assert.deepEqual(probeEvent('liveness', bad), { type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' });
  });

  it('sends kube-probe as the user agent, the spec headers, and resolves a named port', async () => {
    seen.length = 0;
    await get({ port: 'web', path: '/nothing', httpHeaders: [{ name: 'X-Probe', value: 'yes' }, { name: 'Host', value: 'app.example' }] }, target([{ name: 'web', containerPort: port }]));
    assert.equal(seen[0]!['user-agent'], 'kube-probe/1.32');
    assert.equal(seen[0]!.accept, '*/*');
    assert.equal(seen[0]!['x-probe'], 'yes');
    assert.equal(seen[0]!.host, 'app.example');
    seen.length = 0;
    await get({ port, path: '/nothing', httpHeaders: [{ name: 'User-Agent', value: 'mine' }] });
    assert.equal(seen[0]!['user-agent'], 'mine');
  });

  it('follows a redirect on the same host, and stops after ten', async () => {
    hits = 0;
    assert.deepEqual(await get({ port, path: '/hop' }), { result: 'success', output: 'ok' });
    assert.deepEqual(await get({ port, path: '/loop' }), { result: 'failure', output: `Get "http://127.0.0.1:${port}/loop": stopped after 10 redirects` });
  });

  it('does not follow a redirect to another host: a success with a warning', async () => {
    const away = await get({ port, path: '/away' });
    assert.deepEqual(away, { result: 'success', warning: true, output: 'Probe terminated redirects, Response body: moved' });
    assert.deepEqual(probeEvent('readiness', away), { type: 'Warning', reason: 'ProbeWarning', message: 'Readiness probe warning: Probe terminated redirects, Response body: moved' });
  });

  it('keeps only the first 10 KiB of the body', async () => {
    const big = await get({ port, path: '/big' });
    assert.equal(big.result, 'success');
    assert.equal(big.output.length, 10 * 1024);
  });

  it('fails on a closed port and on a server that does not answer in time', async () => {
    const closed = http.createServer();
    const closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    assert.deepEqual(await get({ port: closedPort, path: '/healthz' }), {
      result: 'failure',
      output: `Get "http://127.0.0.1:${closedPort}/healthz": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    });
    const t0 = Date.now();
    assert.deepEqual(await get({ port, path: '/slow' }), {
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
    assert.ok(Date.now() - t0 < 2000);
  });

  it('cannot run with a port name the container does not declare', async () => {
    const attempt = await get({ port: 'metrics', path: '/' });
    assert.deepEqual(attempt, { result: 'unknown', output: 'strconv.Atoi: parsing "metrics": invalid syntax' });
    assert.equal(probeEvent('startup', attempt)?.message, 'Startup probe errored and resulted in unknown state: strconv.Atoi: parsing "metrics": invalid syntax');
  });

  it('speaks HTTPS without verifying the certificate', async () => {
    const ca = await createCertificateAuthority({ commonName: 'probe-test-ca' });
    const cert = await issueServingCertificate({ issuer: ca, dnsNames: ['app.example'], ipAddresses: [] });
    const tls = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.writeHead(204).end());
    const tlsPort = await listen(tls);
    try {
      assert.deepEqual(await get({ port: tlsPort, path: '/', scheme: 'HTTPS' }), { result: 'success', output: '' });
    } finally {
      tls.close();
    }
  });
});
