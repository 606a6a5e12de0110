import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../test/support/bare-control-plane.js';
import { eventually } from '../../test/support/eventually.js';
import type { KObject } from '../registry/types.js';
import { kubeDnsService, reconcileDnsEndpoints, runDnsEndpointsController } from './dns-endpoints.js';

const svcs = { group: '', version: 'v1', resource: 'services' };
const nodes = { group: '', version: 'v1', resource: 'nodes' };
const eps = { group: '', version: 'v1', resource: 'endpoints' };
const slices = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

describe('kube-dns endpoints', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  const errors: unknown[] = [];
  before(async () => {
    cp = await startBareControlPlane();
    await runDnsEndpointsController({ client: cp.client, onError: (_k, err) => errors.push(err) }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const setNode = async (name: string, ip: string | undefined, ready: boolean) => {
    let node: KObject;
    try {
      node = await cp.client.get(nodes, undefined, name);
    } catch {
      node = await cp.client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
    }
    const status = {
      ...(ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    };
    await cp.client.update(nodes, { ...node, status }, { subresource: 'status' });
  };
  const endpoints = () => cp.client.get(eps, 'kube-system', 'kube-dns');
  const ourSlices = async () => (await cp.client.list(slices, { namespace: 'kube-system', labelSelector: 'kubernetes.io/service-name=kube-dns' })).items;
  const sliceSummary = async () => {
    const [s, ...more] = await ourSlices();
    if (!s || more.length) return undefined;
    return (s.endpoints as Array<{ addresses: string[]; nodeName: string; conditions: { ready: boolean } }>).map((e) => `${e.nodeName} ${e.addresses[0]} ${e.conditions.ready}`).join(', ');
  };

  it('the Service is the service CIDR\'s .10, with no selector, 53 to 10053, local traffic only', async () => {
    const svc = kubeDnsService('10.43.0.0/16');
    assert.deepEqual(svc.spec, {
      type: 'ClusterIP',
      clusterIP: '10.43.0.10',
      clusterIPs: ['10.43.0.10'],
      ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 10053 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 10053 }],
      internalTrafficPolicy: 'Local',
      sessionAffinity: 'None',
    });
    assert.equal((kubeDnsService('10.96.0.0/12').spec as { clusterIP: string }).clusterIP, '10.96.0.10');
    // Admission accepts it as it is.
    const created = await cp.client.create(svcs, svc);
    assert.equal((created.spec as { clusterIP: string }).clusterIP, '10.43.0.10');
  });

  it('lists every node with an address, ready as the Node is, in both kinds', async () => {
    await setNode('n1', '192.168.5.1', true);
    await setNode('n2', '192.168.5.2', false);
    await setNode('n3', undefined, true); // no address yet: left out
    const ep = await eventually(async () => {
      const e = await endpoints();
      const s = (e.subsets as Array<{ addresses?: unknown[]; notReadyAddresses?: unknown[] }>)[0];
      return s?.addresses?.length === 1 && s.notReadyAddresses?.length === 1 ? e : undefined;
    });
    assert.deepEqual(ep.subsets, [{
      addresses: [{ ip: '192.168.5.1', nodeName: 'n1', targetRef: { kind: 'Node', name: 'n1' } }],
      notReadyAddresses: [{ ip: '192.168.5.2', nodeName: 'n2', targetRef: { kind: 'Node', name: 'n2' } }],
      ports: [{ name: 'dns', port: 10053, protocol: 'UDP' }, { name: 'dns-tcp', port: 10053, protocol: 'TCP' }],
    }]);
    assert.equal(ep.metadata.labels!['endpointslice.kubernetes.io/skip-mirror'], 'true');
    await eventually(async () => (await sliceSummary()) === 'n1 192.168.5.1 true, n2 192.168.5.2 false');
    const [slice] = await ourSlices();
    assert.equal(slice!.metadata.name, 'kube-dns-nodes');
    assert.equal(slice!.addressType, 'IPv4');
    assert.deepEqual(slice!.metadata.labels, { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'dns.k3ts.io' });
    assert.deepEqual(slice!.ports, [{ name: 'dns', port: 10053, protocol: 'UDP' }, { name: 'dns-tcp', port: 10053, protocol: 'TCP' }]);
    const svc = await cp.client.get(svcs, 'kube-system', 'kube-dns');
    assert.equal(slice!.metadata.ownerReferences![0]!.uid, svc.metadata.uid);
  });

  it('follows readiness, address changes, new nodes and removed ones', async () => {
    await setNode('n2', '192.168.5.2', true);
    await setNode('n1', '192.168.5.11', true);
    await setNode('n3', '192.168.5.3', true);
    await eventually(async () => (await sliceSummary()) === 'n1 192.168.5.11 true, n2 192.168.5.2 true, n3 192.168.5.3 true');
    await cp.client.delete(nodes, undefined, 'n2');
    await eventually(async () => (await sliceSummary()) === 'n1 192.168.5.11 true, n3 192.168.5.3 true');
    await eventually(async () => {
      const s = ((await endpoints()).subsets as Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: unknown[] }>)[0];
      return s?.addresses?.map((a) => a.ip).join() === '192.168.5.11,192.168.5.3' && !s.notReadyAddresses;
    });
  });

  it('writes nothing when nothing changed, and puts edits by others right', async () => {
    const slice = (await ourSlices())[0]!;
    const ep = await endpoints();
    await reconcileDnsEndpoints({ client: cp.client });
    assert.equal((await ourSlices())[0]!.metadata.resourceVersion, slice.metadata.resourceVersion);
    assert.equal((await endpoints()).metadata.resourceVersion, ep.metadata.resourceVersion);
    await cp.client.update(eps, { ...ep, subsets: [] });
    await cp.client.delete(slices, 'kube-system', 'kube-dns-nodes');
    await eventually(async () => ((await endpoints()).subsets as unknown[]).length === 1);
    await eventually(async () => (await sliceSummary()) === 'n1 192.168.5.11 true, n3 192.168.5.3 true');
  });

  it('removes both when the Service goes', async () => {
    await cp.client.delete(svcs, 'kube-system', 'kube-dns');
    await eventually(async () => (await ourSlices()).length === 0);
    await eventually(async () => {
      try {
        await endpoints();
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(errors, []);
  });
});
