import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { startBareControlPlane, type BareControlPlane } from '../../test/support/bare-control-plane.js';
import { eventually } from '../../test/support/eventually.js';
import { runServiceLb } from './service-lb.js';

const nodes = { group: '', version: 'v1', resource: 'nodes' };
const services = { group: '', version: 'v1', resource: 'services' };

describe('ServiceLB', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  before(async () => {
    cp = await startBareControlPlane();
    await runServiceLb({ client: cp.client }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const addNode = async (name: string, ip: string, ready: boolean) => {
    await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
    await cp.client.patch(nodes, undefined, name, { type: 'merge', body: { status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } } }, { subresource: 'status' });
  };
  const ingress = async (name: string) => ((await cp.client.get(services, 'default', name)) as Service).status?.loadBalancer?.ingress?.map((i) => i.ip).join(',') ?? '';

  it('a LoadBalancer Service gets every Ready node\'s IP, follows nodes as they change, and other types get nothing', async () => {
    await addNode('n1', '10.45.0.11', true);
    await addNode('n2', '10.45.0.12', false);
    await cp.client.create(services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], selector: { app: 'web' } } });
    await cp.client.create(services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain', namespace: 'default' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } });
    await eventually(async () => ((await ingress('web')) === '10.45.0.11' ? true : undefined), 5000, 'ingress = the ready node');
    await cp.client.patch(nodes, undefined, 'n2', { type: 'merge', body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } } }, { subresource: 'status' });
    await eventually(async () => ((await ingress('web')) === '10.45.0.11,10.45.0.12' ? true : undefined), 5000, 'both nodes');
    await cp.client.delete(nodes, undefined, 'n1');
    await eventually(async () => ((await ingress('web')) === '10.45.0.12' ? true : undefined), 5000, 'the deleted node leaves');
    assert.equal(await ingress('plain'), '');
  });
});
