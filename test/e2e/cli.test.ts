// The k3ts command as an operator meets it: help that names every flag, one-line errors with the
// fix, and a restart that keeps data, certificates and the token.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from './harness.js';
import { K3tsProcess, httpsRequest } from '../durability/k3ts-process.js';

const bin = join(repoRoot, 'bin', 'k3ts');
const k3ts = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 20_000 });

describe('k3ts CLI', { timeout: 90_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-cli-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('--help lists the server command, and server --help explains every flag', () => {
    const top = k3ts(['--help']);
    assert.equal(top.status, 0);
    assert.match(top.stdout, /^\s+server\b/m);
    const help = k3ts(['server', '--help']);
    assert.equal(help.status, 0);
    for (const flag of ['--data-dir', '--https-listen-port', '--bind-address', '--write-kubeconfig', '--write-kubeconfig-mode', '--tls-san', '--token', '--token-auth-file', '--node-ip', '--disable-agent', '--datastore-endpoint']) {
      assert.match(help.stdout, new RegExp(`${flag}\\b[^\\n]*\\S`), `${flag} is explained`);
    }
  });

  it('bad flags fail with one line that names the fix', () => {
    for (const [args, text] of [
      [['server', '--https-listen-port', 'abc'], /^k3ts: --https-listen-port: "abc" is not a port number \(0-65535\)\n$/],
      [['server', '--bind-address', 'example'], /^k3ts: --bind-address: "example" is not an IP address\n$/],
      [['server', '--write-kubeconfig-mode', 'rw'], /^k3ts: --write-kubeconfig-mode: "rw" is not an octal file mode/],
      [['server', '--datastore-endpoint', 'mongodb://x'], /^k3ts: --datastore-endpoint: unsupported datastore endpoint scheme "mongodb:\/\/"; supported: sqlite/],
    ] as const) {
      const r = k3ts([...args, '--data-dir', join(root, 'bad'), '--write-kubeconfig', join(root, 'bad', 'kc.yaml')]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, text);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('a second server on the same data dir is refused; a restart keeps objects, certificates and the token', async () => {
    const first = await K3tsProcess.start({ root });
    try {
      const creds = first.credentials();
      const created = await httpsRequest({
        url: `${first.url}/api/v1/namespaces/default/configmaps`, method: 'POST', creds,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: 'b' } }),
      });
      assert.equal(created.status, 201, created.body.toString());
      const clash = k3ts(['server', '--data-dir', first.dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--write-kubeconfig', join(root, 'other.yaml')]);
      assert.equal(clash.status, 1);
      assert.match(clash.stderr, /is in use by another process; stop it or choose another path/);
      const token = readFileSync(join(first.dataDir, 'server', 'token'), 'utf8');
      const ca = readFileSync(join(first.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8');
      assert.match(token.trim(), /^K10[0-9a-f]{64}::server:[0-9a-f]+$/);
      const stopped = await first.stop();
      assert.equal(stopped.code, 0, 'SIGTERM stops the server cleanly');

      const second = await K3tsProcess.start({ root, port: first.port });
      try {
        const got = await httpsRequest({ url: `${second.url}/api/v1/namespaces/default/configmaps/kept`, creds: second.credentials() });
        assert.equal(got.status, 200);
        assert.deepEqual(JSON.parse(got.body.toString()).data, { a: 'b' });
        assert.equal(readFileSync(join(first.dataDir, 'server', 'token'), 'utf8'), token);
        assert.equal(readFileSync(join(first.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8'), ca);
      } finally {
        await second.stop();
      }
    } finally {
      if (first.alive) await first.stop();
    }
  });
});
