// The authenticator alone, over caches in memory and a clock the test moves: what makes a token
// stop working, and that a repeated token is not verified again.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import type { KObject } from '../../registry/types.js';
import { createTokenIssuer } from './token-issuer.js';
import { createServiceAccountAuthenticator, type ObjectLookup } from './token-authenticator.js';
import { parseServiceAccountKeys } from '../../pki/service-account-keys.js';

function lookup(): ObjectLookup & { put(ns: string, name: string, uid: string, extra?: Partial<KObject>): void; drop(ns: string, name: string): void } {
  const m = new Map<string, KObject>();
  return {
    get: (ns, name) => m.get(`${ns}/${name}`),
    put: (ns, name, uid, extra = {}) => m.set(`${ns}/${name}`, { metadata: { name, namespace: ns, uid }, ...extra } as KObject),
    drop: (ns, name) => m.delete(`${ns}/${name}`),
  };
}

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

function setUp() {
  let now = 1_800_000_000_000;
  const key = rsa();
  const issuer = createTokenIssuer({ keys: { signing: key, verifying: [createPublicKey(key)] }, now: () => now });
  const auth = createServiceAccountAuthenticator({ issuer, now: () => now });
  const serviceAccounts = lookup();
  const pods = lookup();
  const secrets = lookup();
  auth.attach({ serviceAccounts, pods, secrets });
  serviceAccounts.put('team-a', 'ci', 'sa-uid-1');
  pods.put('team-a', 'web', 'pod-uid-1');
  const sa = { name: 'ci', uid: 'sa-uid-1' };
  return { issuer, auth, serviceAccounts, pods, secrets, sa, advance: (ms: number) => (now += ms) };
}

describe('ServiceAccount token authentication', () => {
  test('a token is the ServiceAccount, with upstream groups', () => {
    const { issuer, auth, sa } = setUp();
    const { token } = issuer.issue({ namespace: 'team-a', serviceAccount: sa, audiences: [...issuer.audiences], expirationSeconds: 3600 });
    const who = auth.authenticateToken(token);
    assert.deepEqual(who?.user, { name: 'system:serviceaccount:team-a:ci', uid: 'sa-uid-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] });
    assert.equal(auth.cached, 1);
  });

  test('expired → refused (and forgotten)', () => {
    const { issuer, auth, sa, advance } = setUp();
    const { token } = issuer.issue({ namespace: 'team-a', serviceAccount: sa, audiences: [...issuer.audiences], expirationSeconds: 600 });
    assert.ok(auth.authenticateToken(token));
    advance(599_000);
    assert.ok(auth.authenticateToken(token), 'valid one second before expiry');
    advance(1_000);
    assert.equal(auth.authenticateToken(token), undefined);
    assert.equal(auth.cached, 0);
  });

  test('signed by another key → refused; a key kept for verification after rotation still verifies', () => {
    const { auth, sa } = setUp();
    const stranger = createTokenIssuer({ keys: { signing: rsa(), verifying: [] } });
    const forged = stranger.issue({ namespace: 'team-a', serviceAccount: sa, audiences: [...stranger.audiences], expirationSeconds: 3600 }).token;
    assert.equal(auth.authenticateToken(forged), undefined);
    // Tampered claims under a valid signature.
    const { issuer } = setUp();
    const good = issuer.issue({ namespace: 'team-a', serviceAccount: sa, audiences: [...issuer.audiences], expirationSeconds: 3600 }).token;
    const [h, , s] = good.split('.');
    const evil = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    assert.equal(auth.authenticateToken(`${h}.${evil}.${s}`), undefined);
    assert.equal(auth.authenticateToken('not-a-jwt'), undefined);
  });

  test('rotation: service.key with a new key first signs with it and still accepts the old one', () => {
    const old = rsa();
    const fresh = rsa();
    const pem = (k: ReturnType<typeof rsa>) => k.export({ type: 'pkcs1', format: 'pem' }).toString();
    const before = createTokenIssuer({ keys: parseServiceAccountKeys(pem(old)) });
    const after = createTokenIssuer({ keys: parseServiceAccountKeys(pem(fresh) + pem(old)) });
    const oldToken = before.issue({ namespace: 'n', serviceAccount: { name: 'a', uid: 'u' }, audiences: ['x'], expirationSeconds: 600 }).token;
    const newToken = after.issue({ namespace: 'n', serviceAccount: { name: 'a', uid: 'u' }, audiences: ['x'], expirationSeconds: 600 }).token;
    assert.ok(after.verify(oldToken));
    assert.ok(after.verify(newToken));
    assert.throws(() => before.verify(newToken), /invalid signature/);
    assert.throws(() => parseServiceAccountKeys('garbage', '/x/service.key'), /\/x\/service.key holds no PEM private key/);
  });

  test('wrong audience → refused; a TokenReview may name the audience it accepts', () => {
    const { issuer, auth, sa } = setUp();
    const { token } = issuer.issue({ namespace: 'team-a', serviceAccount: sa, audiences: ['vault'], expirationSeconds: 3600 });
    assert.equal(auth.authenticateToken(token), undefined);
    assert.deepEqual(auth.authenticateToken(token, ['vault', 'other'])?.audiences, ['vault']);
  });

  test('bound to a pod: deleted pod → refused, and so is a pod recreated under the same name', () => {
    const { issuer, auth, pods, sa } = setUp();
    const { token } = issuer.issue({ namespace: 'team-a', serviceAccount: sa, audiences: [...issuer.audiences], expirationSeconds: 3600, pod: { name: 'web', uid: 'pod-uid-1' } });
    assert.ok(auth.authenticateToken(token));
    pods.drop('team-a', 'web');
    assert.equal(auth.authenticateToken(token), undefined);
    pods.put('team-a', 'web', 'pod-uid-2');
    assert.equal(auth.authenticateToken(token), undefined);
  });

  test('the ServiceAccount deleted or recreated → refused', () => {
    const { issuer, auth, serviceAccounts, sa } = setUp();
    const { token } = issuer.issue({ namespace: 'team-a', serviceAccount: sa, audiences: [...issuer.audiences], expirationSeconds: 3600 });
    serviceAccounts.put('team-a', 'ci', 'sa-uid-2');
    assert.equal(auth.authenticateToken(token), undefined);
    serviceAccounts.drop('team-a', 'ci');
    assert.equal(auth.authenticateToken(token), undefined);
  });

  test('legacy Secret tokens: valid while the Secret holds exactly them', () => {
    const { issuer, auth, secrets, sa } = setUp();
    const token = issuer.issueLegacy('team-a', sa, 'ci-token');
    assert.equal(auth.authenticateToken(token), undefined, 'no such Secret');
    secrets.put('team-a', 'ci-token', 's-uid', { data: { token: Buffer.from(token).toString('base64') } });
    assert.equal(auth.authenticateToken(token)?.user.name, 'system:serviceaccount:team-a:ci');
    secrets.drop('team-a', 'ci-token');
    assert.equal(auth.authenticateToken(token), undefined);
  });

  test('the cache is bounded', () => {
    const key = rsa();
    const issuer = createTokenIssuer({ keys: { signing: key, verifying: [createPublicKey(key)] } });
    const auth = createServiceAccountAuthenticator({ issuer, maxCached: 3 });
    const sas = lookup();
    auth.attach({ serviceAccounts: sas, pods: lookup(), secrets: lookup() });
    sas.put('n', 'a', 'u');
    for (let i = 0; i < 5; i++) assert.ok(auth.authenticateToken(issuer.issue({ namespace: 'n', serviceAccount: { name: 'a', uid: 'u' }, audiences: [...issuer.audiences], expirationSeconds: 600 }).token));
    assert.equal(auth.cached, 3);
  });
});
