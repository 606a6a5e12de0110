// What a CIS-style check of a k3ts server looks at: anonymous requests reach only health and version,
// TLS below 1.2 and non-AEAD suites are refused, and every key, token, password and kubeconfig the
// server and its own node write is readable by its owner only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, repoRoot, TestServer } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The outcome of one handshake: the protocol and suite agreed, or the error. */
function handshake(port: number, o: { minVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }): Promise<{ ok: true; protocol: string; cipher: string } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...o });
    sock.once('secureConnect', () => {
      resolve({ ok: true, protocol: sock.getProtocol() ?? '', cipher: sock.getCipher().name });
      sock.destroy();
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, code: err.code ?? err.message }));
  });
}

describe('hardening', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ tokenAuthCsv: 'nobody-token-555555,nobody,4001' });
  });
  after(async () => {
    await server?.stop();
  });

  it('anonymous requests: 200 for health and version, 401 for everything else', async () => {
    const version = await server.rawGet('/version');
    assert.equal(version.status, 200);
    assert.match(JSON.parse(version.body).gitVersion, /^v1\./);
    for (const path of ['/healthz', '/livez', '/readyz']) assert.equal((await server.rawGet(path)).status, 200, path);
    for (const path of ['/api', '/apis', '/api/v1/namespaces', '/openapi/v2', '/healthz/etcd', '/metrics']) {
      const r = await server.rawGet(path);
      assert.equal(r.status, 401, path);
      assert.deepEqual(JSON.parse(r.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });

  it('logs and exec through the kubelet need RBAC: pods/log get, pods/exec create', async () => {
    const nobody = server.kubeconfigFor({ name: 'nobody', token: 'nobody-token-555555' });
    const logs = await server.kubectl(['logs', 'some-pod', '-n', 'default'], { kubeconfig: nobody });
    assert.notEqual(logs.code, 0);
    // kubectl looks the pod up first, which is refused already; the log request itself is checked below.
    assert.match(logs.stderr, /pods "some-pod" is forbidden: User "nobody" cannot get resource "pods" in API group "" in the namespace "default"/);
    const log = await server.rawGet('/api/v1/namespaces/default/pods/some-pod/log', { authorization: 'Bearer nobody-token-555555' });
    assert.equal(log.status, 403, log.body);
    assert.equal(JSON.parse(log.body).message, 'pods "some-pod" is forbidden: User "nobody" cannot get resource "pods/log" in API group "" in the namespace "default"');
    const exec = await server.kubectl(['exec', 'some-pod', '-n', 'default', '--', 'true'], { kubeconfig: nobody });
    assert.notEqual(exec.code, 0);
    // kubectl looks the pod up first (a get), as upstream: that is already refused.
    assert.match(exec.stderr, /User "nobody" cannot (get resource "pods"|create resource "pods\/exec")/);
    // The exec upgrade itself is refused too, whatever kubectl did first.
    const raw = await server.rawGet('/api/v1/namespaces/default/pods/some-pod/exec?command=true&stdout=1', {
      authorization: 'Bearer nobody-token-555555',
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-protocol': 'v5.channel.k8s.io',
    });
    assert.equal(raw.status, 403, raw.body);
    assert.match(JSON.parse(raw.body).message, /cannot create resource "pods\/exec"/);
  });

  it('refuses a TLS 1.1 client and TLS 1.2 without an AEAD suite; offers TLS 1.3 and ECDHE-GCM', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal must come from the server.
    const old = await handshake(server.port, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.deepEqual(old, { ok: false, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    const cbc = await handshake(server.port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA:AES128-GCM-SHA256' });
    assert.equal(cbc.ok, false, JSON.stringify(cbc));
    const gcm = await handshake(server.port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    assert.ok(gcm.ok && /^ECDHE-(ECDSA|RSA)-(AES\d+-GCM|CHACHA20)/.test(gcm.cipher), JSON.stringify(gcm));
    const v13 = await handshake(server.port, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    assert.ok(v13.ok && v13.protocol === 'TLSv1.3', JSON.stringify(v13));
  });
});

describe('file modes of a fresh data dir', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-modes-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keys, tokens, passwords, kubeconfigs and the encryption config are 0600; their folders 0700', async () => {
    const dataDir = join(root, 'data');
    const kubeconfig = join(root, 'kc', 'k3ts.yaml');
    const port = await freePort();
    // The server with its own (simulated) node, so the node's files are there too.
    const proc = spawn(join(repoRoot, 'bin', 'k3ts'), ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', kubeconfig, '--runtime', 'sim', '--secrets-encryption'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    proc.stdout!.on('data', (c) => (log += c));
    proc.stderr!.on('data', (c) => (log += c));
    try {
      for (let i = 0; i < 300 && !/node started/.test(log) && proc.exitCode === null; i++) await sleep(100);
      assert.match(log, /node started/, log);
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.isFile()) files.push(p);
        }
      };
      walk(dataDir);
      const secretLike = files.filter((f) => /\.key$|\/token$|password|encryption-config\.json$|kubeconfig|\.yaml$/.test(f));
      // What a server with its own node must have written at least.
      for (const want of [/tls\/client-ca\.key$/, /tls\/server-ca\.key$/, /tls\/serving-kube-apiserver\.key$/, /tls\/client-admin\.key$/, /server\/token$/, /node\/password$/, /encryption-config\.json$/]) {
        assert.ok(secretLike.some((f) => want.test(f)), `${want} not found among ${secretLike.join(' ')}`);
      }
      for (const f of [...secretLike, kubeconfig]) assert.equal((statSync(f).mode & 0o777).toString(8), '600', f);
      for (const d of ['server', 'server/tls', 'server/cred', 'server/db']) assert.equal((statSync(join(dataDir, d)).mode & 0o777).toString(8), '700', d);
      // Nothing else in the data dir is readable by others unless it is a certificate (public by design).
      for (const f of files) {
        if ((statSync(f).mode & 0o004) === 0 || /\.crt$/.test(f) || /\/pods\//.test(f)) continue;
        // The datastore file is 0644 but sits in a 0700 folder (checked above).
        if (/server\/db\//.test(f)) continue;
        assert.fail(`${f} is readable by others (${(statSync(f).mode & 0o777).toString(8)})`);
      }
      assert.ok(existsSync(kubeconfig) && readFileSync(kubeconfig, 'utf8').includes('client-key-data'));
    } finally {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
    }
  });
});
