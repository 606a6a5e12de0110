import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createValueTransformer, DecryptError, type ProviderKey } from './value-transformer.js';
import { encryptingBackend } from './encrypting-backend.js';
import type { Backend, KeyValue, StorageEvent } from '../../storage/backend.js';

/** Just enough of a backend to see what reaches the datastore. */
function memoryBackend(): Backend & { rows: Map<string, KeyValue>; emit(ev: StorageEvent[]): void } {
  const rows = new Map<string, KeyValue>();
  let rev = 0;
  let listener: ((ev: StorageEvent[]) => void) | undefined;
  const put = (key: string, value: string) => {
    const kv = { key, value, createRevision: rows.get(key)?.createRevision ?? rev + 1, modRevision: ++rev };
    rows.set(key, kv);
    return kv;
  };
  return {
    rows,
    emit: (ev) => listener?.(ev),
    name: 'memory',
    currentRevision: async () => rev,
    compactedRevision: async () => 0,
    get: async (key) => rows.get(key),
    list: async (o) => ({ items: [...rows.values()].filter((kv) => kv.key.startsWith(o.prefix)), revision: rev, more: false }),
    create: async (key, value) => put(key, value),
    update: async (key, value) => put(key, value),
    delete: async (key) => {
      const kv = rows.get(key)!;
      rows.delete(key);
      return { ...kv, modRevision: ++rev };
    },
    watch: async (_o, l) => {
      listener = l;
      return { cancel: () => (listener = undefined) };
    },
    compact: async () => undefined,
    close: async () => undefined,
  };
}

const cbc: ProviderKey = { provider: 'aescbc', name: 'k1', secret: randomBytes(32) };
const gcm: ProviderKey = { provider: 'aesgcm', name: 'g1', secret: randomBytes(16) };
const secretKey = '/registry/core/secrets/default/s';
const value = '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"p":"aHVudGVyMg=="}}';

describe('secrets encryption at the storage layer', () => {
  it('encrypts Secrets only, with upstream\'s prefix, and reads them back through get, list, watch and writes', async () => {
    const inner = memoryBackend();
    const b = encryptingBackend(inner, createValueTransformer([cbc, { provider: 'identity' }], 'test'));
    const created = await b.create(secretKey, value);
    assert.equal(created.value, value);
    assert.match(inner.rows.get(secretKey)!.value, /^k8s:enc:aescbc:v1:k1:[A-Za-z0-9+/=]+$/);
    assert.ok(!inner.rows.get(secretKey)!.value.includes('aHVudGVyMg'));
    await b.create('/registry/core/configmaps/default/c', '{"plain":true}');
    assert.equal(inner.rows.get('/registry/core/configmaps/default/c')!.value, '{"plain":true}');
    assert.equal((await b.get(secretKey))!.value, value);
    assert.deepEqual((await b.list({ prefix: '/registry/core/' })).items.map((kv) => kv.value).sort(), ['{"plain":true}', value].sort());
    const seen: string[] = [];
    await b.watch({ prefix: '/registry/core/secrets/', afterRevision: 0 }, (evs) => seen.push(...evs.map((e) => e.kv.value)));
    inner.emit([{ type: 'update', kv: inner.rows.get(secretKey)!, prev: inner.rows.get(secretKey)! }]);
    assert.deepEqual(seen, [value]);
  });

  it('reads plaintext written before (identity), refuses unknown keys, and binds aesgcm values to their key', () => {
    const t = createValueTransformer([gcm, cbc, { provider: 'identity' }], 'cfg.json');
    assert.equal(t.decrypt(value, secretKey), value);
    const sealed = t.encrypt(value, secretKey);
    assert.match(sealed, /^k8s:enc:aesgcm:v1:g1:/);
    assert.equal(t.decrypt(sealed, secretKey), value);
    assert.throws(() => t.decrypt(sealed, '/registry/core/secrets/default/other'), DecryptError);
    const other = createValueTransformer([{ provider: 'aescbc', name: 'k2', secret: randomBytes(32) }], 'cfg.json');
    assert.throws(() => other.decrypt(createValueTransformer([cbc], 'x').encrypt(value, secretKey), secretKey), /encrypted with "aescbc:v1:k1", a key cfg.json does not hold/);
    assert.throws(() => other.decrypt(value, secretKey), /stored unencrypted and cfg.json has no identity provider/);
  });

  it('secretbox (XSalsa20-Poly1305, as upstream: nonce then box) seals and opens, and a changed byte is refused', () => {
    const box: ProviderKey = { provider: 'secretbox', name: 'sb1', secret: randomBytes(32) };
    const t = createValueTransformer([box, cbc, { provider: 'identity' }], 'cfg.json');
    const sealed = t.encrypt(value, secretKey);
    assert.match(sealed, /^k8s:enc:secretbox:v1:sb1:[A-Za-z0-9+/=]+$/);
    const payload = Buffer.from(sealed.slice('k8s:enc:secretbox:v1:sb1:'.length), 'base64');
    assert.equal(payload.length, 24 + 16 + value.length, '24-byte nonce, 16-byte tag, then the ciphertext');
    assert.equal(t.decrypt(sealed, secretKey), value);
    assert.notEqual(t.encrypt(value, secretKey), sealed, 'a fresh nonce each time');
    payload[payload.length - 1]! ^= 1;
    assert.throws(() => t.decrypt(`k8s:enc:secretbox:v1:sb1:${payload.toString('base64')}`, secretKey), /does not decrypt with key "sb1"/);
    // Values sealed before a rotation from aescbc still open.
    assert.equal(t.decrypt(createValueTransformer([cbc], 'x').encrypt(value, secretKey), secretKey), value);
  });
});
