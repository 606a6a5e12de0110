import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../test/support/bare-control-plane.js';
import { runNodeIpam, SubnetSet } from './node-ipam.js';
import { eventually } from '../../test/support/eventually.js';

const nodes = { group: '', version: 'v1', resource: 'nodes' };
const events = { group: '', version: 'v1', resource: 'events' };

describe('SubnetSet', () => {
  it('numbers the /24s of a /16 and recognises only its own', () => {
    const s = new SubnetSet('10.42.0.0/16', 24);
    assert.equal(s.count, 256);
    assert.equal(s.cidr(0), '10.42.0.0/24');
    assert.equal(s.cidr(255), '10.42.255.0/24');
    assert.equal(s.indexOf('10.42.7.0/24'), 7);
    assert.equal(s.indexOf('10.42.7.0/25'), undefined);
    assert.equal(s.indexOf('10.43.0.0/24'), undefined);
    assert.throws(() => new SubnetSet('10.42.0.0/16', 8), /mask size 8/);
  });
});

describe('node IPAM', () => {
  let cp: BareControlPlane;
  before(async () => {
    cp = await startBareControlPlane();
  });
  after(() => cp.close());
  const podCidrOf = async (name: string) => ((await cp.client.get(nodes, undefined, name)).spec as { podCIDR?: string; podCIDRs?: string[] } | undefined);
  const assigned = (name: string) => async () => !!(await podCidrOf(name))?.podCIDR;

  it('gives each node its own range, learns them after a restart, and reuses a freed one', async () => {
    const first = new AbortController();
    const running = await runNodeIpam({ client: cp.client, clusterCidr: '10.42.0.0/16' }, first.signal);
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a' } });
    await eventually(assigned('a'));
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'b' } });
    await eventually(assigned('b'));
    assert.deepEqual(await podCidrOf('a'), { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'] });
    assert.equal((await podCidrOf('b'))!.podCIDR, '10.42.1.0/24');
    first.abort();
    await running.stopped;

    const second = new AbortController();
    await runNodeIpam({ client: cp.client, clusterCidr: '10.42.0.0/16' }, second.signal);
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'c' } });
    await eventually(assigned('c'));
    assert.equal((await podCidrOf('c'))!.podCIDR, '10.42.2.0/24');
    await cp.client.delete(nodes, undefined, 'a');
    await new Promise((r) => setTimeout(r, 100));
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'd' } });
    await eventually(assigned('d'));
    assert.equal((await podCidrOf('d'))!.podCIDR, '10.42.0.0/24');
    second.abort();
  });

  it('reports CIDRNotAvailable when the range is used up', async () => {
    const cp2 = await startBareControlPlane();
    const stop = new AbortController();
    try {
      await runNodeIpam({ client: cp2.client, clusterCidr: '10.42.0.0/23', nodeCidrMaskSize: 24 }, stop.signal);
      for (const n of ['x', 'y', 'z']) await cp2.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
      await eventually(async () =>
        (await cp2.client.list(events, { namespace: 'default' })).items.some(
          (e) => e.reason === 'CIDRNotAvailable' && e.message === 'Node z status is now: CIDRNotAvailable' && (e.involvedObject as { kind: string }).kind === 'Node',
        ),
      );
      const z = (await cp2.client.get(nodes, undefined, 'z')).spec as { podCIDR?: string } | undefined;
      assert.equal(z?.podCIDR, undefined);
    } finally {
      stop.abort();
      await cp2.close();
    }
  });
});
