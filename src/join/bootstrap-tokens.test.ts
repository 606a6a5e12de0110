import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapTokenInfo, bootstrapTokenSecret, checkBootstrapToken, generateBootstrapToken, parseDuration } from './bootstrap-tokens.js';
import { hashNodePassword, verifyNodePassword } from './node-password.js';

test('join tokens have the bootstrap-token form and are stored where kubeadm keeps them', () => {
  const t = generateBootstrapToken();
  assert.match(`${t.id}.${t.secret}`, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  const now = new Date('2026-01-01T00:00:00Z');
  const s = bootstrapTokenSecret(t, { ttlMs: 3_600_000, description: 'rack 2', now });
  assert.equal(s.metadata.name, `bootstrap-token-${t.id}`);
  assert.equal(s.metadata.namespace, 'kube-system');
  assert.equal((s as { type?: string }).type, 'bootstrap.kubernetes.io/token');
  assert.deepEqual(bootstrapTokenInfo(s), { id: t.id, description: 'rack 2', expires: new Date('2026-01-01T01:00:00Z') });
  assert.equal(checkBootstrapToken(s, t.secret, now), 'ok');
  assert.equal(checkBootstrapToken(s, 'x'.repeat(16), now), 'wrong-secret');
  assert.equal(checkBootstrapToken(s, t.secret, new Date('2026-01-01T01:00:00Z')), 'expired');
  assert.equal(checkBootstrapToken(bootstrapTokenSecret(t, { ttlMs: 0 }), t.secret, new Date('2099-01-01')), 'ok', 'ttl 0 never expires');
});

test('TTLs read like Go durations; anything else is refused with an example', () => {
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('2h30m'), 9_000_000);
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('tomorrow'), /invalid duration "tomorrow": use a number with a unit, e.g. 24h/);
  assert.throws(() => parseDuration('5'), /invalid duration/);
});

test('node passwords are stored salted and verify only with the same password', async () => {
  const a = await hashNodePassword('correct horse battery staple');
  const b = await hashNodePassword('correct horse battery staple');
  assert.notEqual(a, b, 'salted');
  assert.equal(await verifyNodePassword('correct horse battery staple', a), true);
  assert.equal(await verifyNodePassword('another machine', a), false);
  assert.equal(await verifyNodePassword('x', 'garbage'), false);
});
