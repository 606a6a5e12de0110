import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import type { ObjectFilter } from '../store/object-store.js';
import { buildFilter } from './filters.js';

const pod = (name: string, node: string, labels: Record<string, string>, container = 'c'): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { nodeName: node, containers: [{ name: container, image: 'nginx' }] },
});

describe('lists by selector pass over objects whose stored text cannot match', () => {
  let cp: TestControlPlane;
  let pods: ResourceDescriptor;
  before(async () => {
    cp = await startTestControlPlane();
    pods = cp.context.registry.findByResource('', 'v1', 'pods')!;
    const objects = [
      pod('a1', 'n1', { app: 'a' }),
      pod('a2', 'n1', { app: 'b' }),
      pod('b1', 'n2', { app: 'a' }),
      // Its container is named like the other pods' node, and a label holds a node's name: the
      // needles are found in it, the selector still must not match it.
      pod('c1', 'n3', { app: 'n1', nodeName: 'n1' }, 'n1'),
      pod('n1', 'n10', { app: 'a' }),
    ];
    for (const o of objects) await cp.context.store.create(pods, o);
  });
  after(() => cp.close());

  /** The names listed, and how many objects were decoded and handed to the filter. */
  async function list(selectors: { fieldSelector?: string; labelSelector?: string }): Promise<{ names: string[]; decoded: number; needles?: readonly string[] }> {
    const filter = buildFilter(pods, selectors)!;
    let decoded = 0;
    const counted: ObjectFilter = Object.assign((o: KObject) => (decoded++, filter(o)), { needles: filter.needles });
    const page = await cp.context.store.list(pods, { namespace: 'default', filter: counted });
    const json = await cp.context.store.listJson(pods, { namespace: 'default', filter });
    const names = page.items.map((p) => p.metadata.name!).sort();
    assert.deepEqual(json.items.map((t) => (JSON.parse(typeof t === 'string' ? t : Buffer.concat(t).toString()) as KObject).metadata.name).sort(), names, 'the JSON list agrees');
    return { names, decoded, needles: filter.needles };
  }

  it('a pod list by node decodes only pods whose text names that node', async () => {
    const r = await list({ fieldSelector: 'spec.nodeName=n1' });
    assert.deepEqual(r.names, ['a1', 'a2']);
    assert.deepEqual(r.needles, ['"nodeName":"n1"']);
    assert.equal(r.decoded, 3, 'a1, a2 and c1 (whose label says nodeName: n1) are decoded; b1 and n1 are not');
  });

  it('labels pinned to one value, by = or by in, are needles; other requirements are not', async () => {
    assert.deepEqual((await list({ labelSelector: 'app=a' })).names, ['a1', 'b1', 'n1']);
    assert.deepEqual((await list({ labelSelector: 'app in (b)' })).needles, ['"app":"b"']);
    const several = await list({ labelSelector: 'app in (a,b)' });
    assert.deepEqual(several.names, ['a1', 'a2', 'b1', 'n1']);
    assert.equal(several.needles, undefined);
    const not = await list({ fieldSelector: 'spec.nodeName!=n1' });
    assert.deepEqual(not.names, ['b1', 'c1', 'n1']);
    assert.equal(not.decoded, 5);
  });

  it('a name pinned by a field selector matches the object, not a container of that name', async () => {
    const r = await list({ fieldSelector: 'metadata.name=n1,spec.nodeName=n10' });
    assert.deepEqual(r.names, ['n1']);
    assert.equal(r.decoded, 1);
  });

  it('an empty value pins nothing: pods without a node are found', async () => {
    await cp.context.store.create(pods, { ...pod('pending', '', {}), spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const r = await list({ fieldSelector: 'spec.nodeName=' });
    assert.deepEqual(r.names, ['pending']);
    assert.equal(r.needles, undefined);
  });
});
