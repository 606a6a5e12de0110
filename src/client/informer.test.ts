import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryInformer, type InformerChange } from './informer.js';
import type { KObject } from '../registry/types.js';

const svc = (name: string, rv: string): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name, resourceVersion: rv } });

describe('informer store', () => {
  it('reports adds, modifications with the old object, deletes, and a relist as the difference', async () => {
    const inf = new MemoryInformer();
    const seen: string[] = [];
    inf.subscribe((c: InformerChange) => seen.push(`${c.type} ${c.object.metadata.name}@${c.object.metadata.resourceVersion}${c.old ? ` was ${c.old.metadata.resourceVersion}` : ''}`));
    inf.replace([svc('a', '1'), svc('b', '1')]);
    await inf.synced;
    inf.set(svc('a', '1')); // the same revision again: no change
    inf.set(svc('a', '2'));
    inf.replace([svc('a', '2'), svc('c', '3')]);
    assert.deepEqual(seen, ['ADDED a@1', 'ADDED b@1', 'MODIFIED a@2 was 1', 'ADDED c@3', 'DELETED b@1']);
    assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ['a', 'c']);
    assert.equal(inf.get('default', 'c')?.metadata.resourceVersion, '3');
    assert.equal(inf.get('other', 'c'), undefined);
  });

  it('a failing reader does not keep the change from the others', () => {
    const inf = new MemoryInformer();
    let got = 0;
    inf.subscribe(() => {
      throw new Error('bug');
    });
    const stop = inf.subscribe(() => got++);
    inf.set(svc('a', '1'));
    stop();
    inf.set(svc('a', '2'));
    assert.equal(got, 1);
  });
});
