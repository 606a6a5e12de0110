import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile, chmod } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ensureServerPki, type ServerPki } from './server-pki.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

// Fails any resolution of @peculiar/x509 in the process it is loaded into.
const FORBID_X509 = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  "export async function resolve(s, c, next) { if (s.startsWith('@peculiar/x509')) throw new Error('loaded ' + s); return next(s, c); }"));`;

/** ensureServerPki in a fresh node, as a server start runs it, with @peculiar/x509 forbidden. */
async function startInFreshProcess(dataDir: string, tlsSans: string[]): Promise<{ written: number; importMs: number; ensureMs: number }> {
  // Under tsx the test runs from src/ (.ts); compiled, it runs from dist/ (.js). tsx resolves .js to .ts.
  const module = new URL('./server-pki.js', import.meta.url).href;
  const script = `
    const t0 = performance.now();
    const { ensureServerPki } = await import(${JSON.stringify(module)});
    const t1 = performance.now();
    const pki = await ensureServerPki({ dataDir: ${JSON.stringify(dataDir)}, tlsSans: ${JSON.stringify(tlsSans)} });
    console.log(JSON.stringify({ written: pki.written.length, importMs: t1 - t0, ensureMs: performance.now() - t1 }));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(FORBID_X509)}`, '--input-type=module', '-e', script],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 30_000 },
  );
  return JSON.parse(stdout);
}

async function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'k3ts-pki-'));
}

interface Seen {
  authorized: boolean;
  subject: { CN?: string; O?: string | string[] };
}

/** An HTTPS server configured as the API server will be: serving cert, client CA, client certs optional. */
async function startServer(pki: ServerPki): Promise<Server> {
  const server = createServer(
    { cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.clientCaPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as import('node:tls').TLSSocket;
      const seen: Seen = { authorized: socket.authorized, subject: (socket.getPeerCertificate().subject ?? {}) as unknown as Seen['subject'] };
      res.end(JSON.stringify(seen));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function get(server: Server, options: { pki: ServerPki; servername?: string; withClientCert?: boolean }): Promise<Seen> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: options.servername,
        ca: options.pki.caPem,
        ...(options.withClientCert === false ? {} : { cert: options.pki.adminCertPem, key: options.pki.adminKeyPem }),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(JSON.parse(body) as Seen));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('ensureServerPki', () => {
  let dataDir: string;
  let pki: ServerPki;
  let coldMs: number;

  before(async () => {
    dataDir = await tempDataDir();
    const start = performance.now();
    pki = await ensureServerPki({ dataDir, tlsSans: ['api.example.com', '192.0.2.10'] });
    coldMs = performance.now() - start;
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('creates the K3s file layout with private keys at 0600', async () => {
    const tls = join(dataDir, 'server', 'tls');
    for (const name of ['server-ca', 'client-ca', 'serving-kube-apiserver', 'client-admin']) {
      assert.equal(await modeOf(join(tls, `${name}.key`)), 0o600, `${name}.key`);
      assert.equal(await modeOf(join(tls, `${name}.crt`)), 0o644, `${name}.crt`);
    }
    assert.equal(await modeOf(join(dataDir, 'server', 'token')), 0o600);
    assert.equal(await readFile(join(tls, 'server-ca.crt'), 'utf8'), pki.caPem);
    assert.notEqual(pki.caPem, pki.clientCaPem, 'clients get their own CA');
  });

  it('serves TLS that a client trusting server-ca accepts for 127.0.0.1 and localhost, and sees the admin identity', async () => {
    const server = await startServer(pki);
    try {
      for (const servername of [undefined, 'localhost', 'kubernetes.default.svc', 'api.example.com']) {
        const seen = await get(server, { pki, servername });
        assert.equal(seen.authorized, true, `client cert verified by client-ca (servername ${servername})`);
        assert.equal(seen.subject.CN, 'system:admin');
        assert.equal(seen.subject.O, 'system:masters');
      }
      const anonymous = await get(server, { pki, withClientCert: false });
      assert.equal(anonymous.authorized, false, 'a client without a certificate still connects (token users)');
      await assert.rejects(get(server, { pki, servername: 'not-in-the-cert.example' }), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    } finally {
      server.close();
    }
  });

  it('is idempotent and fast when nothing changed', async () => {
    const before = await Promise.all(['server-ca.crt', 'serving-kube-apiserver.crt', 'client-admin.key'].map((f) => stat(join(dataDir, 'server', 'tls', f))));
    const start = performance.now();
    const again = await ensureServerPki({ dataDir, tlsSans: ['192.0.2.10', 'API.example.com'] });
    const warmMs = performance.now() - start;
    console.log(`# cold ensureServerPki ${coldMs.toFixed(1)} ms, warm ${warmMs.toFixed(1)} ms`);
    assert.deepEqual(again.written, []);
    assert.equal(again.servingCertPem, pki.servingCertPem);
    assert.equal(again.token, pki.token);
    const afterStats = await Promise.all(['server-ca.crt', 'serving-kube-apiserver.crt', 'client-admin.key'].map((f) => stat(join(dataDir, 'server', 'tls', f))));
    assert.deepEqual(afterStats.map((s) => s.ino), before.map((s) => s.ino));
    assert.ok(coldMs < 1000 && warmMs < 200, `generous bounds only; measured cold ${coldMs} warm ${warmMs}`);
  });

  it('a warm start in a fresh process reads everything without loading @peculiar/x509', { timeout: 60_000 }, async () => {
    const warm = await startInFreshProcess(dataDir, ['api.example.com', '192.0.2.10']);
    console.log(`# fresh process: import pki ${warm.importMs.toFixed(1)} ms (tsx), warm ensureServerPki ${warm.ensureMs.toFixed(1)} ms`);
    assert.equal(warm.written, 0);
    assert.ok(warm.ensureMs < 200, `generous bound only; measured ${warm.ensureMs} ms`);
    const empty = await tempDataDir();
    try {
      // The guard is real: a first start must issue, and so must load the library.
      await assert.rejects(startInFreshProcess(empty, []), /loaded @peculiar\/x509/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('token is K10<sha256 of server-ca.crt>::server:<secret>', async () => {
    const caFile = await readFile(join(dataDir, 'server', 'tls', 'server-ca.crt'));
    assert.match(pki.token, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    assert.equal(pki.token.slice(3, 67), createHash('sha256').update(caFile).digest('hex'));
    assert.equal((await readFile(join(dataDir, 'server', 'token'), 'utf8')).trim(), pki.token);
  });

  it('re-issues the serving certificate for a new --tls-san, keeping CA, admin cert and token', async () => {
    const next = await ensureServerPki({ dataDir, tlsSans: ['api.example.com', '192.0.2.10', '198.51.100.7', 'new.example.com'] });
    assert.notEqual(next.servingCertPem, pki.servingCertPem);
    assert.equal(next.caPem, pki.caPem);
    assert.equal(next.clientCaPem, pki.clientCaPem);
    assert.equal(next.adminCertPem, pki.adminCertPem);
    assert.equal(next.token, pki.token);
    assert.deepEqual(next.written.map((w) => w.path.split('/').pop()).sort(), ['serving-kube-apiserver.crt', 'serving-kube-apiserver.key']);
    assert.match(next.written[0]!.reason, /IP:198\.51\.100\.7/);
    const sans = new X509Certificate(next.servingCertPem).subjectAltName ?? '';
    assert.match(sans, /IP Address:198\.51\.100\.7/);
    assert.match(sans, /DNS:new\.example\.com/);
    assert.ok(new X509Certificate(next.servingCertPem).checkIssued(new X509Certificate(pki.caPem)));
  });

  it('renews leaf certificates within 90 days of expiry, never the CA', async () => {
    const later = new Date(Date.now() + 300 * 86_400_000);
    const current = await ensureServerPki({ dataDir, tlsSans: ['api.example.com', '192.0.2.10', '198.51.100.7', 'new.example.com'] });
    const renewed = await ensureServerPki({ dataDir, tlsSans: ['api.example.com', '192.0.2.10', '198.51.100.7', 'new.example.com'], now: later });
    assert.equal(renewed.caPem, current.caPem);
    assert.notEqual(renewed.servingCertPem, current.servingCertPem);
    assert.notEqual(renewed.adminCertPem, current.adminCertPem);
    assert.match(renewed.written.find((w) => w.path.endsWith('client-admin.crt'))!.reason, /^expires /);
  });

  it('tightens a key file someone loosened, without rewriting it', async () => {
    const key = join(dataDir, 'server', 'tls', 'server-ca.key');
    await chmod(key, 0o644);
    const again = await ensureServerPki({ dataDir, tlsSans: ['api.example.com', '192.0.2.10', '198.51.100.7', 'new.example.com'] });
    assert.equal(await modeOf(key), 0o600);
    assert.ok(!again.written.some((w) => w.path === key));
  });

  it('refuses to re-key the cluster when a CA key is lost', async () => {
    const dir = await tempDataDir();
    try {
      await ensureServerPki({ dataDir: dir, tlsSans: [] });
      await unlink(join(dir, 'server', 'tls', 'server-ca.key'));
      await assert.rejects(ensureServerPki({ dataDir: dir, tlsSans: [] }), /server-ca\.crt exists without its pair; restore .*server-ca\.key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a CA key that does not belong to its certificate, naming both files and the fix', async () => {
    const dir = await tempDataDir();
    try {
      const first = await ensureServerPki({ dataDir: dir, tlsSans: [] });
      const tls = join(dir, 'server', 'tls');
      // An operator restored client-ca.key over server-ca.key: both parse, but they are not a pair.
      await writeFile(join(tls, 'server-ca.key'), await readFile(join(tls, 'client-ca.key')));
      const error = await ensureServerPki({ dataDir: dir, tlsSans: [] }).then(
        () => assert.fail('a mismatched CA pair was accepted'),
        (e: Error) => e,
      );
      assert.doesNotMatch(error.message, /\n/, 'one line');
      assert.match(error.message, /server-ca\.crt and .*server-ca\.key: the key does not match the certificate/);
      assert.match(error.message, /restore the matching pair, or delete both to create a new CA — every node and kubeconfig must then be re-issued/);
      // Nothing was signed with the wrong key, and the certificate is untouched.
      assert.equal(await readFile(join(tls, 'server-ca.crt'), 'utf8'), first.caPem);
      assert.equal(await readFile(join(tls, 'serving-kube-apiserver.crt'), 'utf8'), first.servingCertPem);

      await writeFile(join(tls, 'server-ca.key'), 'not a key');
      await assert.rejects(ensureServerPki({ dataDir: dir, tlsSans: [] }), /server-ca\.key: the key is unreadable .*restore the matching pair/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('re-issues a serving certificate that was signed by another CA', async () => {
    const other = await tempDataDir();
    try {
      const foreign = await ensureServerPki({ dataDir: other, tlsSans: [] });
      await writeFile(join(dataDir, 'server', 'tls', 'serving-kube-apiserver.crt'), foreign.servingCertPem);
      await writeFile(join(dataDir, 'server', 'tls', 'serving-kube-apiserver.key'), foreign.servingKeyPem);
      const fixed = await ensureServerPki({ dataDir, tlsSans: [] });
      assert.equal(fixed.written.find((w) => w.path.endsWith('serving-kube-apiserver.crt'))?.reason, 'not signed by the current CA');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('the serving certificate lists every SAN when read by openssl', { skip: !hasOpenssl && 'openssl not installed' }, async () => {
    const dir = await tempDataDir();
    try {
      const fresh = await ensureServerPki({ dataDir: dir, tlsSans: ['2001:db8::10', 'lb.example.com'], serviceIP: '10.99.0.1', hostname: 'node-a', interfaces: {} });
      const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', fresh.paths.servingCert], { encoding: 'utf8' });
      const sanLine = /X509v3 Subject Alternative Name:\s*\n\s*(.+)/.exec(text)?.[1] ?? '';
      const names = sanLine.split(', ').sort();
      assert.deepEqual(
        names,
        [
          'DNS:kubernetes',
          'DNS:kubernetes.default',
          'DNS:kubernetes.default.svc',
          'DNS:kubernetes.default.svc.cluster.local',
          'DNS:lb.example.com',
          'DNS:localhost',
          'DNS:node-a',
          'IP Address:0:0:0:0:0:0:0:1',
          'IP Address:10.99.0.1',
          'IP Address:127.0.0.1',
          'IP Address:2001:DB8:0:0:0:0:0:10',
        ].sort(),
      );
      assert.match(text, /Issuer: CN\s?=\s?k3ts-server-ca@\d+/);
      const verify = execFileSync('openssl', ['verify', '-CAfile', fresh.paths.serverCaCert, fresh.paths.servingCert], { encoding: 'utf8' });
      assert.match(verify, /: OK/);
      const admin = execFileSync('openssl', ['x509', '-noout', '-subject', '-in', fresh.paths.adminCert], { encoding: 'utf8' });
      assert.match(admin, /O\s?=\s?system:masters, CN\s?=\s?system:admin/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
