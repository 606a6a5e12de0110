import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { caHash, ensureServerToken, formatSecureToken, parseToken } from './token.js';

const HASH = 'a'.repeat(64);

describe('tokens', () => {
  it('caHash is the sha256 hex of the exact bytes', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    assert.equal(caHash(pem), createHash('sha256').update(pem).digest('hex'));
    assert.equal(caHash(Buffer.from(pem)), caHash(pem));
  });

  it('parses the secure form', () => {
    assert.deepEqual(parseToken(`K10${HASH}::server:s3cret\n`), { form: 'secure', caHash: HASH, username: 'server', password: 's3cret' });
    assert.equal(parseToken(formatSecureToken({ caHash: HASH, username: 'server', password: 'p:w' })).password, 'p:w');
    assert.deepEqual(parseToken(`K10${HASH}::abcdef.0123456789abcdef`), {
      form: 'secure',
      caHash: HASH,
      password: 'abcdef.0123456789abcdef',
      bootstrap: { id: 'abcdef', secret: '0123456789abcdef' },
    });
  });

  it('parses the bootstrap and bare forms', () => {
    assert.deepEqual(parseToken('abcdef.0123456789abcdef'), { form: 'bootstrap', password: 'abcdef.0123456789abcdef', bootstrap: { id: 'abcdef', secret: '0123456789abcdef' } });
    assert.deepEqual(parseToken('my-cluster-secret'), { form: 'bare', password: 'my-cluster-secret' });
    assert.equal(parseToken('ABCDEF.0123456789abcdef').form, 'bare', 'bootstrap tokens are lower case');
  });

  it('matches the K10 prefix case-sensitively: k10… is a bare secret, never a secure token', () => {
    assert.deepEqual(parseToken(`k10${HASH}::server:s3cret`), { form: 'bare', password: `k10${HASH}::server:s3cret` });
    assert.equal(parseToken(`k10${HASH}::abcdef.0123456789abcdef`).caHash, undefined, 'no CA pinning from a k10 token');
    assert.equal(parseToken('k10abc::server:x').form, 'bare', 'not "malformed K10" either');
    assert.equal(parseToken(`K10${HASH.toUpperCase()}::server:s3cret`).caHash, HASH, 'the hash itself may be upper-case hex');
  });

  it('rejects what cannot be a token, with the fix', () => {
    assert.throws(() => parseToken('  '), /empty token/);
    assert.throws(() => parseToken('K10abc::server:x'), /malformed K10 token/);
    assert.throws(() => parseToken('two words'), /whitespace/);
  });

  it('ensureServerToken writes once, keeps the secret, follows a new CA and an operator --token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k3ts-token-'));
    try {
      const path = join(dir, 'server', 'token');
      const first = await ensureServerToken({ path, caPem: 'ca-1' });
      assert.equal(first.written, true);
      assert.match(first.token, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(await ensureServerToken({ path, caPem: 'ca-1' }), { token: first.token, written: false });

      const moved = await ensureServerToken({ path, caPem: 'ca-2' });
      assert.equal(parseToken(moved.token).caHash, caHash('ca-2'));
      assert.equal(parseToken(moved.token).password, parseToken(first.token).password);

      const given = await ensureServerToken({ path, caPem: 'ca-2', token: 'my-cluster-secret' });
      assert.equal(given.token, `K10${caHash('ca-2')}::server:my-cluster-secret`);
      assert.equal((await readFile(path, 'utf8')).trim(), given.token);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
