import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane, type BareControlPlane } from '../../test/support/bare-control-plane.js';
import { hasReason } from '../client/types.js';
import { runEndpointsController } from './endpoints.js';
import { runEndpointSliceController } from './endpointslices/controller.js';
import { eventually } from '../../test/support/eventually.js';

const svcs = { group: '', version: 'v1', resource: 'services' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const eps = { group: '', version: 'v1', resource: 'endpoints' };
const slices = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

describe('Endpoints and EndpointSlices', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  const errors: unknown[] = [];
  before(async () => {
    cp = await startBareControlPlane();
    const onError = (_k: string, err: unknown) => errors.push(err);
    await runEndpointsController({ client: cp.client, onError }, stop.signal);
    await runEndpointSliceController({ client: cp.client, onError }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const service = (name: string, spec: Record<string, unknown>) => cp.client.create(svcs, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { team: 'a' } }, spec });
  const pod = async (name: string, opts: { app: string; ip?: string; ready?: boolean; node?: string; ports?: unknown[] }) => {
    await cp.client.create(pods, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: opts.app } },
      spec: { containers: [{ name: 'c', image: 'nginx', ...(opts.ports ? { ports: opts.ports } : {}) }] },
    });
    if (opts.node) await cp.client.createSubresource(pods, 'default', name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: opts.node } });
    if (opts.ip) await setStatus(name, opts.ip, opts.ready ?? false);
  };
  // A patch, not an update: the scheduler may be writing the pod's conditions at the same time.
  const setStatus = (name: string, ip: string, ready: boolean) =>
    cp.client.patch(pods, 'default', name, { type: 'merge', body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } } }, { subresource: 'status' });
  const endpointsOf = (name: string) => cp.client.get(eps, 'default', name);
  const slicesOf = async (name: string) => (await cp.client.list(slices, { namespace: 'default', labelSelector: `kubernetes.io/service-name=${name}` })).items;

  it('lists ready pods as addresses and the others as not ready, with resolved ports', async () => {
    await service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9100 }] });
    await pod('web-1', { app: 'web', ip: '10.42.0.5', ready: true, node: 'n1', ports: [{ name: 'http', containerPort: 8080 }] });
    await pod('web-2', { app: 'web', ip: '10.42.0.4', ready: false, ports: [{ name: 'http', containerPort: 8080 }] });
    await pod('web-pending', { app: 'web' }); // no IP yet: not listed
    await pod('other', { app: 'other', ip: '10.42.0.9', ready: true });
    const ep = await eventually(async () => {
      const e = await endpointsOf('web');
      const s = (e.subsets as Array<{ addresses?: unknown[]; notReadyAddresses?: unknown[] }> | undefined) ?? [];
      return s.length === 1 && s[0]!.addresses?.length === 1 && s[0]!.notReadyAddresses?.length === 1 ? e : undefined;
    });
    const web1 = await cp.client.get(pods, 'default', 'web-1');
    assert.deepEqual(ep.metadata.labels, { team: 'a' });
    assert.deepEqual(ep.subsets, [{
      addresses: [{ ip: '10.42.0.5', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: web1.metadata.uid } }],
      notReadyAddresses: [{ ip: '10.42.0.4', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: (await cp.client.get(pods, 'default', 'web-2')).metadata.uid } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }],
    }]);

    const [slice, ...more] = await eventually(async () => {
      const s = await slicesOf('web');
      return s.length === 1 && (s[0]!.endpoints as unknown[] | undefined)?.length === 2 ? s : undefined;
    });
    assert.equal(more.length, 0);
    assert.match(slice!.metadata.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(slice!.addressType, 'IPv4');
    assert.equal(slice!.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice!.metadata.labels!.team, 'a');
    const svc = await cp.client.get(svcs, 'default', 'web');
    assert.deepEqual(slice!.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(slice!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }]);
    const byName = Object.fromEntries((slice!.endpoints as Array<{ targetRef: { name: string } }>).map((e) => [e.targetRef.name, e]));
    assert.deepEqual(byName['web-1'], { addresses: ['10.42.0.5'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: web1.metadata.uid } });
    assert.deepEqual((byName['web-2'] as unknown as { conditions: unknown }).conditions, { ready: false, serving: false, terminating: false });
  });

  it('follows readiness, updating the slice in place', async () => {
    const before = (await slicesOf('web'))[0]!;
    await setStatus('web-2', '10.42.0.4', true);
    await eventually(async () => {
      const s = ((await endpointsOf('web')).subsets as Array<{ addresses?: unknown[] }> | undefined) ?? [];
      return s[0]?.addresses?.length === 2;
    });
    const after = await eventually(async () => {
      const s = await slicesOf('web');
      return s.length === 1 && (s[0]!.endpoints as Array<{ conditions: { ready: boolean } }>).every((e) => e.conditions.ready) ? s[0] : undefined;
    });
    assert.equal(after.metadata.name, before.metadata.name);
    assert.equal(after.metadata.uid, before.metadata.uid);
    // Settled: nothing is rewritten while nothing changes.
    const ep = await endpointsOf('web');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await slicesOf('web'))[0]!.metadata.resourceVersion, after.metadata.resourceVersion);
    assert.equal((await endpointsOf('web')).metadata.resourceVersion, ep.metadata.resourceVersion);
  });

  it('groups pods by the ports they resolve to', async () => {
    await service('mixed', { selector: { app: 'mixed' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    await pod('m-1', { app: 'mixed', ip: '10.42.1.1', ready: true, ports: [{ name: 'http', containerPort: 8080 }] });
    await pod('m-2', { app: 'mixed', ip: '10.42.1.2', ready: true, ports: [{ name: 'http', containerPort: 8081 }] });
    await pod('m-3', { app: 'mixed', ip: '10.42.1.3', ready: true }); // no port named http: left out
    const subsets = await eventually(async () => {
      const s = ((await endpointsOf('mixed')).subsets as Array<{ ports: Array<{ port: number }>; addresses: Array<{ ip: string }> }> | undefined) ?? [];
      return s.length === 2 ? s : undefined;
    });
    assert.deepEqual(subsets.map((s) => [s.ports[0]!.port, s.addresses.map((a) => a.ip)]).sort(), [[8080, ['10.42.1.1']], [8081, ['10.42.1.2']]]);
    await eventually(async () => (await slicesOf('mixed')).length === 2);
  });

  it('publishes a placeholder for a Service with no pods, and nothing for one without a selector', async () => {
    await service('empty', { selector: { app: 'nobody' }, ports: [{ port: 80 }] });
    const ep = await eventually(async () => endpointsOf('empty'));
    assert.equal(((ep.subsets as unknown[] | undefined) ?? []).length, 0);
    const [placeholder] = await eventually(async () => {
      const s = await slicesOf('empty');
      return s.length === 1 ? s : undefined;
    });
    assert.deepEqual(placeholder!.endpoints ?? [], []);
    await service('manual', { ports: [{ port: 80 }] });
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(endpointsOf('manual'), (err) => hasReason(err, 'NotFound'));
    assert.equal((await slicesOf('manual')).length, 0);
  });

  it('lists terminating pods in slices only, and removes everything when the Service goes', async () => {
    await service('term', { selector: { app: 'term' }, ports: [{ port: 80 }] });
    await pod('t-1', { app: 'term', ip: '10.42.2.1', ready: true, node: 'n1' });
    await eventually(async () => ((await endpointsOf('term')).subsets as unknown[] | undefined)?.length === 1);
    await cp.client.delete(pods, 'default', 't-1'); // bound: stays, terminating, until its kubelet confirms
    await eventually(async () => ((await endpointsOf('term')).subsets as unknown[] | undefined ?? []).length === 0);
    const endpoint = await eventually(async () => {
      const e = ((await slicesOf('term'))[0]?.endpoints as Array<{ conditions: Record<string, boolean> }> | undefined)?.[0];
      return e?.conditions.terminating ? e : undefined;
    });
    assert.deepEqual(endpoint.conditions, { ready: false, serving: true, terminating: true });
    await cp.client.delete(svcs, 'default', 'term');
    await eventually(async () => {
      try {
        await endpointsOf('term');
        return false;
      } catch (err) {
        return hasReason(err, 'NotFound');
      }
    });
    await eventually(async () => (await slicesOf('term')).length === 0);
  });

  it('leaves the kubernetes Service endpoints to the server', async () => {
    const ep = await cp.client.get(eps, 'default', 'kubernetes');
    assert.equal(((ep.subsets as Array<{ addresses: Array<{ ip: string }> }>)[0]!.addresses[0]!.ip), '127.0.0.1');
    assert.deepEqual(errors.filter((e) => !hasReason(e, 'Conflict')), []);
  });
});
