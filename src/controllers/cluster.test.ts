import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane } from '../../test/support/bare-control-plane.js';
import { registry } from '../registry/index.js';
import { runClusterControllers } from './cluster.js';
import { eventually } from '../../test/support/eventually.js';

const nodes = { group: '', version: 'v1', resource: 'nodes' };
const cms = { group: '', version: 'v1', resource: 'configmaps' };
const sas = { group: '', version: 'v1', resource: 'serviceaccounts' };

describe('cluster controllers', () => {
  it('start together, do their work, and stop cleanly', async () => {
    const cp = await startBareControlPlane();
    const stop = new AbortController();
    const errors: unknown[] = [];
    try {
      const descriptors = registry.descriptors.filter((d) => !d.ephemeral).map((d) => ({ group: d.group, version: d.version, resource: d.plural, namespaced: d.namespaced, kind: d.kind }));
      const running = await runClusterControllers({ client: cp.client, clusterCidr: '10.42.0.0/16', descriptors, onError: (c, k, e) => errors.push([c, k, e]) }, stop.signal);
      await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
      await eventually(async () => ((await cp.client.get(nodes, undefined, 'n1')).spec as { podCIDR?: string } | undefined)?.podCIDR === '10.42.0.0/24');
      await eventually(async () => !!(await cp.client.get(sas, 'kube-system', 'default')));
      const owner = await cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: 'default' } });
      await cp.client.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dep', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] } });
      await cp.client.delete(cms, 'default', 'owner');
      await eventually(async () => cp.client.get(cms, 'default', 'dep').then(() => false, () => true));
      stop.abort();
      await running.stopped;
      assert.deepEqual(errors, []);
    } finally {
      stop.abort();
      await cp.close();
    }
  });
});
