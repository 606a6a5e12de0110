// A LIST from etcd passes the stored bytes through (KeyValue.bytes) instead of decoding and encoding
// them: the answer must be the same bytes the text path gives, and Secrets encrypted at rest must
// still come out decrypted (their bytes are the ciphertext).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registry } from '../../registry/index.js';
import type { KObject } from '../../registry/types.js';
import { EtcdBackend } from '../../storage/etcd/etcd-backend.js';
import { etcdSkipReason, TestEtcd } from '../../storage/etcd/test-etcd.js';
import { jsonBytesWithRevision, jsonWithRevision, storedPrefix } from './codec.js';
import { encryptingBackend } from './encrypting-backend.js';
import { ObjectStore } from './object-store.js';
import { createValueTransformer } from './value-transformer.js';

const text = (item: string | Buffer[]) => (typeof item === 'string' ? item : Buffer.concat(item).toString('utf8'));

describe('list items as bytes', () => {
  it('gives the same JSON as the text path, and declines texts of another layout', () => {
    const prefix = storedPrefix('v1', 'ConfigMap');
    const value = `${prefix}"name":"é-ü","namespace":"ns"},"data":{"k":"v ✓"}}`;
    const pieces = jsonBytesWithRevision(Buffer.from(value), 42, Buffer.from(prefix));
    assert.ok(pieces);
    assert.equal(Buffer.concat(pieces).toString('utf8'), jsonWithRevision({ value, modRevision: 42 }, prefix));
    assert.equal(jsonBytesWithRevision(Buffer.from(`${prefix}},"data":{}}`), 1, Buffer.from(prefix)), undefined, 'empty metadata');
    assert.equal(jsonBytesWithRevision(Buffer.from('{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}'), 1, Buffer.from(prefix)), undefined, 'fields in another order');
  });
});

describe('list items as bytes, from etcd', { skip: etcdSkipReason() }, () => {
  let etcd: TestEtcd;
  let backend: EtcdBackend;
  before(async () => {
    etcd = await TestEtcd.start();
    backend = await EtcdBackend.open({ endpoints: etcd.endpoint, autoCompaction: { intervalMs: 0 } });
  });
  after(async () => {
    await backend?.close();
    await etcd?.stop();
  });

  it('a LIST answers the objects as stored, with their resourceVersions; encrypted Secrets decrypted', async () => {
    const transformer = createValueTransformer([{ provider: 'aescbc', name: 'k1', secret: randomBytes(32) }], 'test');
    const store = new ObjectStore(encryptingBackend(backend, transformer));
    const configmaps = registry.findByResource('', 'v1', 'configmaps')!;
    const secrets = registry.findByResource('', 'v1', 'secrets')!;
    for (let i = 0; i < 5; i++) {
      await store.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'ns' }, data: { text: `ünïcode ${i}` } });
      await store.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}`, namespace: 'ns' }, data: { token: Buffer.from(`secret-${i}`).toString('base64') } });
    }
    for (const d of [configmaps, secrets]) {
      const objects = await store.list(d, { namespace: 'ns' });
      const json = await store.listJson(d, { namespace: 'ns' });
      assert.equal(json.items.length, 5);
      const parsed = json.items.map((item) => JSON.parse(text(item)) as KObject);
      assert.deepEqual(parsed, objects.items, `${d.plural}: the pass-through answer equals the decoded objects`);
    }
    const listed = await backend.list({ prefix: '/registry/core/configmaps/' });
    assert.ok(listed.items[0]!.bytes, 'etcd lists carry the bytes');
    const parsedSecrets = (await store.listJson(secrets, { namespace: 'ns' })).items.map((item) => JSON.parse(text(item)) as KObject & { data: { token: string } });
    assert.deepEqual(parsedSecrets.map((s) => Buffer.from(s.data.token, 'base64').toString()), [0, 1, 2, 3, 4].map((i) => `secret-${i}`));
  });
});
