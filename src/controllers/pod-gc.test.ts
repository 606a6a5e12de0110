import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../test/support/bare-control-plane.js';
import { runPodGc } from './pod-gc.js';
import { eventually } from '../../test/support/eventually.js';

const nodes = { group: '', version: 'v1', resource: 'nodes' };
const pods = { group: '', version: 'v1', resource: 'pods' };

describe('pod GC', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  let stopped: Promise<void>;
  before(async () => {
    cp = await startBareControlPlane();
    ({ stopped } = await runPodGc({ client: cp.client, orphanDelayMs: 500 }, stop.signal));
  });
  after(async () => {
    stop.abort();
    await stopped;
    await cp.close();
  });
  const pod = (name: string, nodeName?: string) =>
    cp.client.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'nginx' }] } });
  const gone = (name: string) => () => cp.client.get(pods, 'default', name).then(() => false, () => true);

  it('force-deletes pods bound to a missing node once the delay has passed, and keeps the others', async () => {
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'here' } });
    await pod('on-here', 'here');
    await pod('on-ghost', 'ghost');
    await pod('terminating-on-ghost', 'ghost');
    await cp.client.delete(pods, 'default', 'terminating-on-ghost'); // bound: waits for a kubelet that will never come
    const start = Date.now();
    await eventually(gone('on-ghost'));
    await eventually(gone('terminating-on-ghost'));
    assert.ok(Date.now() - start >= 400, 'not before the delay');
    assert.equal(await gone('on-here')(), false);
  });

  it('a node that comes back in time keeps its pods', async () => {
    await pod('patient', 'late');
    await new Promise((r) => setTimeout(r, 200));
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'late' } });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(await gone('patient')(), false);
  });
});
