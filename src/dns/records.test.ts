import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryInformer } from '../client/informer.js';
import type { KObject } from '../registry/types.js';
import { rcode, rrType, type ResourceRecord } from './message.js';
import { createClusterRecords } from './records.js';

const svc = (name: string, spec: Record<string, unknown>, namespace = 'default'): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec });
const slice = (name: string, service: string, endpoints: unknown[], ports: unknown[] = [], namespace = 'default'): KObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

function setup(services: KObject[] = [], slices: KObject[] = []) {
  const s = new MemoryInformer(services);
  const e = new MemoryInformer(slices);
  return { services: s, slices: e, records: createClusterRecords({ services: s, endpointSlices: e }) };
}

const data = (rrs: ResourceRecord[]) =>
  rrs.map((r) => (r.type === 'A' ? r.address : r.type === 'SRV' ? `${r.srv.port} ${r.srv.target}` : r.type === 'TXT' ? r.text.join(' ') : r.type === 'SOA' ? r.soa.mname : r.target));

describe('cluster DNS records', () => {
  const web = svc('web', { type: 'ClusterIP', clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 81 }, { name: 'dns', port: 53, protocol: 'UDP' }] });

  it('answers a Service A with its ClusterIP, in any case, with or without the trailing dot', () => {
    const { records } = setup([web]);
    const a = records.answer('Web.Default.svc.Cluster.Local.', rrType.A)!;
    assert.equal(a.rcode, rcode.NOERROR);
    assert.deepEqual(a.answers, [{ name: 'web.default.svc.cluster.local', ttl: 5, type: 'A', address: '10.43.0.20' }]);
  });

  it('gives SRV records for named ports only, with the target address as additional', () => {
    const { records } = setup([web]);
    const srv = records.answer('_http._tcp.web.default.svc.cluster.local', rrType.SRV)!;
    assert.deepEqual(data(srv.answers), ['80 web.default.svc.cluster.local']);
    assert.deepEqual(data(srv.additional), ['10.43.0.20']);
    assert.deepEqual(data(records.answer('_dns._udp.web.default.svc.cluster.local', rrType.SRV)!.answers), ['53 web.default.svc.cluster.local']);
    // _tcp.web... exists (it has a record below it): empty, not NXDOMAIN.
    assert.equal(records.answer('_tcp.web.default.svc.cluster.local', rrType.SRV)!.rcode, rcode.NOERROR);
    assert.equal(records.answer('_grpc._tcp.web.default.svc.cluster.local', rrType.SRV)!.rcode, rcode.NXDOMAIN);
  });

  it('answers AAAA for an IPv4-only name empty, and unknown names NXDOMAIN, each with the SOA', () => {
    const { records } = setup([web]);
    const aaaa = records.answer('web.default.svc.cluster.local', rrType.AAAA)!;
    assert.equal(aaaa.rcode, rcode.NOERROR);
    assert.deepEqual(aaaa.answers, []);
    assert.equal(aaaa.authority[0]!.type, 'SOA');
    const nx = records.answer('nope.default.svc.cluster.local', rrType.A)!;
    assert.equal(nx.rcode, rcode.NXDOMAIN);
    assert.deepEqual(nx.authority.map((r) => [r.name, r.type]), [['cluster.local', 'SOA']]);
    assert.equal(nx.authority[0]!.type === 'SOA' && nx.authority[0]!.soa.minimum, 5);
    // The search-list expansions a pod tries first (ndots:5) are answered here, never forwarded.
    assert.equal(records.answer('example.com.default.svc.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
  });

  it('has the zone apex, its namespaces and the schema version', () => {
    const { records } = setup([web]);
    assert.deepEqual(data(records.answer('cluster.local', rrType.SOA)!.answers), ['ns.dns.cluster.local']);
    assert.equal(records.answer('default.svc.cluster.local', rrType.A)!.rcode, rcode.NOERROR);
    assert.equal(records.answer('svc.cluster.local', rrType.A)!.rcode, rcode.NOERROR);
    assert.equal(records.answer('other.svc.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
    assert.deepEqual(data(records.answer('dns-version.cluster.local', rrType.TXT)!.answers), ['1.1.0']);
  });

  it('leaves names outside the cluster domain to upstream', () => {
    const { records } = setup([web]);
    assert.equal(records.answer('example.com', rrType.A), undefined);
    assert.equal(records.answer('cluster.local.example.com', rrType.A), undefined);
    assert.equal(records.answer('9.9.9.9.in-addr.arpa', rrType.PTR), undefined);
  });

  it('answers PTR for ClusterIPs', () => {
    const { records } = setup([web]);
    assert.deepEqual(data(records.answer('20.0.43.10.in-addr.arpa', rrType.PTR)!.answers), ['web.default.svc.cluster.local']);
  });

  describe('headless Services', () => {
    const db = svc('db', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', port: 5432 }] });
    const dbSlice = slice('db-abcde', 'db', [
      { addresses: ['10.42.0.5'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.42.1.7'], conditions: { ready: true } },
      { addresses: ['10.42.2.9'], hostname: 'db-2', conditions: { ready: false } },
    ], [{ name: 'pg', port: 5433, protocol: 'TCP' }]);

    it('answer one A per ready endpoint, and a name per endpoint', () => {
      const { records } = setup([db], [dbSlice]);
      assert.deepEqual(data(records.answer('db.default.svc.cluster.local', rrType.A)!.answers).sort(), ['10.42.0.5', '10.42.1.7']);
      assert.deepEqual(data(records.answer('db-0.db.default.svc.cluster.local', rrType.A)!.answers), ['10.42.0.5']);
      // Without a hostname, the address with dashes names the endpoint.
      assert.deepEqual(data(records.answer('10-42-1-7.db.default.svc.cluster.local', rrType.A)!.answers), ['10.42.1.7']);
      assert.equal(records.answer('db-2.db.default.svc.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
      assert.deepEqual(data(records.answer('5.0.42.10.in-addr.arpa', rrType.PTR)!.answers), ['db-0.db.default.svc.cluster.local']);
    });

    it('give SRV records per ready endpoint, on the pods\' port', () => {
      const { records } = setup([db], [dbSlice]);
      const srv = records.answer('_pg._tcp.db.default.svc.cluster.local', rrType.SRV)!;
      assert.deepEqual(data(srv.answers).sort(), ['5433 10-42-1-7.db.default.svc.cluster.local', '5433 db-0.db.default.svc.cluster.local']);
      assert.deepEqual(data(srv.additional).sort(), ['10.42.0.5', '10.42.1.7']);
    });

    it('exist with no answers while nothing is ready', () => {
      const { records } = setup([db]);
      const a = records.answer('db.default.svc.cluster.local', rrType.A)!;
      assert.equal(a.rcode, rcode.NOERROR);
      assert.deepEqual(a.answers, []);
    });

    it('follow slice changes incrementally, including a slice moving to another Service', () => {
      const { records, slices, services } = setup([db], [dbSlice]);
      const g = records.generation;
      slices.set({ ...dbSlice, metadata: { ...dbSlice.metadata, resourceVersion: '2' }, endpoints: [{ addresses: ['10.42.3.3'] }] });
      assert.ok(records.generation > g);
      assert.deepEqual(data(records.answer('db.default.svc.cluster.local', rrType.A)!.answers), ['10.42.3.3']);
      services.set(svc('db2', { clusterIP: 'None' }));
      slices.set({ ...dbSlice, metadata: { ...dbSlice.metadata, resourceVersion: '3', labels: { 'kubernetes.io/service-name': 'db2' } }, endpoints: [{ addresses: ['10.42.3.4'] }] });
      assert.deepEqual(records.answer('db.default.svc.cluster.local', rrType.A)!.answers, []);
      assert.deepEqual(data(records.answer('db2.default.svc.cluster.local', rrType.A)!.answers), ['10.42.3.4']);
      slices.delete(dbSlice);
      assert.deepEqual(records.answer('db2.default.svc.cluster.local', rrType.A)!.answers, []);
      assert.equal(records.answer('10-42-3-4.db2.default.svc.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
    });
  });

  it('answers an ExternalName with its CNAME, whatever the type asked', () => {
    const { records } = setup([svc('ext', { type: 'ExternalName', externalName: 'Example.COM.' }), web, svc('alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' })]);
    for (const t of [rrType.A, rrType.AAAA, rrType.CNAME]) {
      const a = records.answer('ext.default.svc.cluster.local', t)!;
      assert.deepEqual(a.answers, [{ name: 'ext.default.svc.cluster.local', ttl: 5, type: 'CNAME', target: 'example.com' }]);
    }
    // A target inside the cluster is followed here.
    assert.deepEqual(data(records.answer('alias.default.svc.cluster.local', rrType.A)!.answers), ['web.default.svc.cluster.local', '10.43.0.20']);
  });

  it('answers pod names from the address they spell', () => {
    const { records } = setup();
    assert.deepEqual(records.answer('10-42-0-5.default.pod.cluster.local', rrType.A)!.answers, [{ name: '10-42-0-5.default.pod.cluster.local', ttl: 5, type: 'A', address: '10.42.0.5' }]);
    assert.deepEqual(records.answer('10-42-0-5.default.pod.cluster.local', rrType.AAAA)!.answers, []);
    assert.equal(records.answer('default.pod.cluster.local', rrType.A)!.rcode, rcode.NOERROR);
    assert.equal(records.answer('10-42-0-256.default.pod.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
    assert.equal(records.answer('x.10-42-0-5.default.pod.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
  });

  it('follows Service changes and deletions, and stops following when asked', () => {
    const { records, services } = setup([web]);
    services.set({ ...web, metadata: { ...web.metadata, resourceVersion: '9' }, spec: { ...(web.spec as object), clusterIP: '10.43.0.21', clusterIPs: ['10.43.0.21'] } });
    assert.deepEqual(data(records.answer('web.default.svc.cluster.local', rrType.A)!.answers), ['10.43.0.21']);
    assert.equal(records.answer('20.0.43.10.in-addr.arpa', rrType.PTR), undefined);
    services.delete(web);
    assert.equal(records.answer('web.default.svc.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
    assert.equal(records.answer('default.svc.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
    records.stop();
    services.set(web);
    assert.equal(records.answer('web.default.svc.cluster.local', rrType.A)!.rcode, rcode.NXDOMAIN);
  });

  it('serves another cluster domain', () => {
    const s = new MemoryInformer([web]);
    const records = createClusterRecords({ services: s, endpointSlices: new MemoryInformer(), zone: 'k3ts.test', ttl: 30 });
    assert.deepEqual(records.answer('web.default.svc.k3ts.test', rrType.A)!.answers[0], { name: 'web.default.svc.k3ts.test', ttl: 30, type: 'A', address: '10.43.0.20' });
    assert.equal(records.answer('web.default.svc.cluster.local', rrType.A), undefined);
  });
});
