// Secrets at rest with --secrets-encryption: the datastore file holds no plaintext, kubectl reads the
// Secret back, `k3ts secrets-encrypt rotate-keys` re-encrypts old and new Secrets with a new key, and
// a start without the key file is refused with what to do; secretbox keys as the other provider.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kubectls, repoRoot } from './harness.js';
import { K3tsProcess } from '../durability/k3ts-process.js';

const bin = join(repoRoot, 'bin', 'k3ts');
const k3ts = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000 });
const kubectl = (kubeconfig: string, args: string[]) =>
  spawnSync(kubectls[0]!.bin, args, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, KUBECONFIG: kubeconfig, HOME: join(kubeconfig, '..') } });

/** Every byte SQLite has for the datastore: the main file and its write-ahead log. */
function datastoreBytes(dataDir: string): Buffer {
  const dir = join(dataDir, 'server', 'db');
  return Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('state.db')).map((f) => readFileSync(join(dir, f))));
}

const secretValue = (kc: string, name: string) => {
  const r = kubectl(kc, ['get', 'secret', name, '-n', 'default', '-o', 'jsonpath={.data.password}']);
  assert.equal(r.status, 0, r.stderr);
  return Buffer.from(r.stdout, 'base64').toString('utf8');
};

describe('secrets encryption at rest', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-secrets-enc-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const plain = 'hunter2-very-secret-plaintext';
  const plainB64 = Buffer.from(plain).toString('base64');

  it('stores no plaintext, reads back through kubectl, rotates keys, refuses a start without the key file', async () => {
    let server = await K3tsProcess.start({ root, extraArgs: ['--secrets-encryption'] });
    const configPath = join(server.dataDir, 'server', 'cred', 'encryption-config.json');
    try {
      assert.equal(statSync(configPath).mode & 0o777, 0o600);
      const config = JSON.parse(readFileSync(configPath, 'utf8'));
      assert.equal(config.kind, 'EncryptionConfiguration');
      assert.equal(config.apiVersion, 'apiserver.config.k8s.io/v1');
      assert.deepEqual(config.resources[0].resources, ['secrets']);
      assert.equal(Object.keys(config.resources[0].providers[0])[0], 'aescbc');
      assert.deepEqual(config.resources[0].providers[1], { identity: {} });
      const created = kubectl(server.kubeconfig, ['create', 'secret', 'generic', 'old', '-n', 'default', `--from-literal=password=${plain}`]);
      assert.equal(created.status, 0, created.stderr);
      // A ConfigMap with the same text shows the check would see plaintext if it were there.
      assert.equal(kubectl(server.kubeconfig, ['create', 'configmap', 'control', '-n', 'default', `--from-literal=password=${plain.toUpperCase()}`]).status, 0);
      assert.equal(secretValue(server.kubeconfig, 'old'), plain);
      const status = k3ts(['secrets-encrypt', 'status', '-d', server.dataDir]);
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /^Encryption Status: Enabled$/m);
      assert.match(status.stdout, /^ \*\s+AES-CBC\s+aescbckey-\S+\s+[0-9a-f]{16}\s+-$/m);
      const rotateWhileRunning = k3ts(['secrets-encrypt', 'rotate-keys', '-d', server.dataDir]);
      assert.equal(rotateWhileRunning.status, 1);
      assert.match(rotateWhileRunning.stderr, /stop the server on this data dir first/);
    } finally {
      await server.stop();
    }
    const bytes = datastoreBytes(server.dataDir);
    assert.ok(bytes.includes(plain.toUpperCase()), 'the control ConfigMap is stored in plaintext');
    assert.ok(!bytes.includes(plain) && !bytes.includes(plainB64), 'the Secret\'s value is nowhere in the datastore files');
    assert.ok(bytes.includes('k8s:enc:aescbc:v1:aescbckey-'), 'the stored Secret carries upstream\'s prefix');
    const firstKey = JSON.parse(readFileSync(configPath, 'utf8')).resources[0].providers[0].aescbc.keys[0].name as string;

    // A second Secret under the same key, then rotation with the server stopped.
    server = await K3tsProcess.start({ root, extraArgs: ['--secrets-encryption'] });
    try {
      assert.equal(kubectl(server.kubeconfig, ['create', 'secret', 'generic', 'new', '-n', 'default', `--from-literal=password=${plain}-2`]).status, 0);
    } finally {
      await server.stop();
    }
    const rotated = k3ts(['secrets-encrypt', 'rotate-keys', '-d', server.dataDir]);
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, new RegExp(`new key aescbckey-\\S+; \\d+ Secrets re-encrypted; dropped ${firstKey}`));
    const after = JSON.parse(readFileSync(configPath, 'utf8'));
    const keys = after.resources[0].providers[0].aescbc.keys.map((k: { name: string }) => k.name);
    assert.equal(keys.length, 1);
    assert.notEqual(keys[0], firstKey);
    const status = k3ts(['secrets-encrypt', 'status', '-d', server.dataDir]);
    assert.match(status.stdout, new RegExp(`AES-CBC\\s+${keys[0]}\\s+[0-9a-f]{16}\\s+[1-9]\\d*$`, 'm'), status.stdout);
    assert.doesNotMatch(status.stdout, new RegExp(firstKey));

    server = await K3tsProcess.start({ root, extraArgs: ['--secrets-encryption'] });
    try {
      assert.equal(secretValue(server.kubeconfig, 'old'), plain);
      assert.equal(secretValue(server.kubeconfig, 'new'), `${plain}-2`);
    } finally {
      await server.stop();
    }

    // Without the key file the Secrets cannot be read: the start is refused, naming the file.
    renameSync(configPath, `${configPath}.bak`);
    const refused = k3ts(['server', '--data-dir', server.dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--write-kubeconfig', join(root, 'kc2.yaml'), '--disable-agent', '--secrets-encryption']);
    assert.equal(refused.status, 1);
    const lines = refused.stderr.trim().split('\n');
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(lines[0]!, /encryption-config\.json is missing, yet \d+ Secrets in the datastore are encrypted: restore the file from your backup/);
    assert.equal(existsSync(configPath), false, 'no new key was made over the lost one');

    // Turning encryption off: the key file still opens the sealed Secrets, new ones are plaintext.
    renameSync(`${configPath}.bak`, configPath);
    server = await K3tsProcess.start({ root });
    try {
      assert.equal(secretValue(server.kubeconfig, 'old'), plain);
      assert.equal(kubectl(server.kubeconfig, ['create', 'secret', 'generic', 'later', '-n', 'default', '--from-literal=password=plain-again-value']).status, 0);
    } finally {
      await server.stop();
    }
    assert.ok(datastoreBytes(server.dataDir).includes(Buffer.from('plain-again-value').toString('base64')));
  });

  it('secretbox keys (--secrets-encryption-provider secretbox), rotated to aescbc with rotate-keys --provider; a bad provider is one line', async () => {
    const boxRoot = join(root, 'secretbox');
    mkdirSync(boxRoot);
    const badFlag = k3ts(['server', '--data-dir', join(boxRoot, 'bad'), '--secrets-encryption', '--secrets-encryption-provider', 'rot13']);
    assert.equal(badFlag.status, 1);
    assert.equal(badFlag.stderr.trim().split('\n').length, 1, badFlag.stderr);
    assert.match(badFlag.stderr, /--secrets-encryption-provider: "rot13" is not one of aescbc, secretbox/);

    let server = await K3tsProcess.start({ root: boxRoot, extraArgs: ['--secrets-encryption', '--secrets-encryption-provider', 'secretbox'] });
    try {
      assert.equal(kubectl(server.kubeconfig, ['create', 'secret', 'generic', 'boxed', '-n', 'default', `--from-literal=password=${plain}`]).status, 0);
      assert.match(k3ts(['secrets-encrypt', 'status', '-d', server.dataDir]).stdout, /^ \*\s+XSalsa20\s+secretboxkey-\S+\s+[0-9a-f]{16}\s+-$/m);
    } finally {
      await server.stop();
    }
    let bytes = datastoreBytes(server.dataDir);
    assert.ok(bytes.includes('k8s:enc:secretbox:v1:secretboxkey-'), 'sealed with the secretbox key');
    assert.ok(!bytes.includes(plain) && !bytes.includes(plainB64));

    const rotated = k3ts(['secrets-encrypt', 'rotate-keys', '-d', server.dataDir, '--provider', 'aescbc']);
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, /new key aescbckey-\S+; 1 Secrets re-encrypted; dropped secretboxkey-/);
    assert.match(k3ts(['secrets-encrypt', 'status', '-d', server.dataDir]).stdout, /^ \*\s+AES-CBC\s+aescbckey-\S+\s+[0-9a-f]{16}\s+1$/m);

    server = await K3tsProcess.start({ root: boxRoot, extraArgs: ['--secrets-encryption', '--secrets-encryption-provider', 'secretbox'] });
    try {
      assert.equal(secretValue(server.kubeconfig, 'boxed'), plain);
      assert.match(server.log, /Secrets are still written with the aescbc key: stop the server and run `k3ts secrets-encrypt rotate-keys --provider secretbox`/);
    } finally {
      await server.stop();
    }
    bytes = datastoreBytes(server.dataDir);
    assert.ok(!bytes.includes(plain) && !bytes.includes(plainB64));
  });
});
