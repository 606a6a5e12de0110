import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseFileMode, writeKubeconfig } from './kubeconfig.js';
import { ensureServerPki, type ServerPki } from './server-pki.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const b64 = (text: string) => Buffer.from(text).toString('base64');

async function kubectlWorks(): Promise<boolean> {
  try {
    await promisify(execFile)('kubectl', ['version', '--client'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe('writeKubeconfig', () => {
  let dir: string;
  let pki: ServerPki;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k3ts-kubeconfig-'));
    pki = await ensureServerPki({ dataDir: join(dir, 'data'), tlsSans: [] });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const admin = (path: string) => ({ path, server: 'https://127.0.0.1:6443', caPem: pki.caPem, certPem: pki.adminCertPem, keyPem: pki.adminKeyPem });

  it('writes a standard kubeconfig, 0600 by default, creating parent directories', async () => {
    const path = join(dir, 'home', '.kube', 'config');
    await writeKubeconfig(admin(path));
    assert.equal(await modeOf(path), 0o600);
    const config = parse(await readFile(path, 'utf8'));
    assert.equal(config.apiVersion, 'v1');
    assert.equal(config.kind, 'Config');
    assert.equal(config['current-context'], 'default');
    assert.deepEqual(config.contexts, [{ name: 'default', context: { cluster: 'default', user: 'default' } }]);
    assert.deepEqual(config.clusters, [{ name: 'default', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(pki.caPem) } }]);
    assert.deepEqual(config.users, [{ name: 'default', user: { 'client-certificate-data': b64(pki.adminCertPem), 'client-key-data': b64(pki.adminKeyPem) } }]);
  });

  it('applies the requested mode even when the file already existed with another', async () => {
    const path = join(dir, 'shared.yaml');
    await writeFile(path, 'old', { mode: 0o600 });
    await writeKubeconfig({ ...admin(path), mode: '0644', clusterName: 'lab' });
    assert.equal(await modeOf(path), 0o644);
    assert.equal(parse(await readFile(path, 'utf8'))['current-context'], 'lab');
    await writeKubeconfig({ ...admin(path), mode: 0o640 });
    assert.equal(await modeOf(path), 0o640);
  });

  it('rejects a mode that is not octal, and a user without credentials', async () => {
    assert.throws(() => parseFileMode('rw-r--r--'), /invalid kubeconfig mode/);
    assert.equal(parseFileMode('644'), 0o644);
    await assert.rejects(writeKubeconfig({ path: join(dir, 'x'), server: 'https://127.0.0.1:6443', caPem: pki.caPem }), /certificate and key, or a token/);
  });

  it('kubectl trusts the server and authenticates with it', { timeout: 60_000 }, async (t) => {
    if (!(await kubectlWorks())) return t.skip('kubectl not installed');
    const seen: string[] = [];
    const server = createServer(
      { cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.clientCaPem, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        if (socket.authorized) seen.push(String(socket.getPeerCertificate().subject.CN));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const path = join(dir, 'kubectl.yaml');
      await writeKubeconfig({ ...admin(path), server: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
      const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', path, 'get', '--raw', '/version'], { timeout: 50_000 });
      assert.equal(JSON.parse(stdout).minor, '32');
      assert.ok(seen.includes('system:admin'), `client certificate seen: ${seen.join()}`);
    } finally {
      server.close();
    }
  });
});
