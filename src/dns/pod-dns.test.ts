import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podDnsConfig } from './pod-dns.js';

const host = { nameservers: ['127.0.0.53', '192.168.1.1'], search: ['corp.example'], options: ['edns0'] };
const base = { namespace: 'shop', clusterDns: '10.43.0.10', clusterDomain: 'cluster.local', host };

describe('pod DNS config', () => {
  it('ClusterFirst: the cluster DNS, the namespace first, then the host\'s searches, ndots:5', () => {
    assert.deepEqual(podDnsConfig(base), {
      servers: ['10.43.0.10'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
      options: ['ndots:5'],
    });
  });

  it('Default: the node\'s resolvers, without loopback ones a pod cannot reach', () => {
    assert.deepEqual(podDnsConfig({ ...base, dnsPolicy: 'Default' }), { servers: ['192.168.1.1'], searches: ['corp.example'], options: ['edns0'] });
    assert.deepEqual(podDnsConfig({ ...base, dnsPolicy: 'Default', hostNetwork: true }).servers, ['127.0.0.53', '192.168.1.1']);
  });

  it('host network: ClusterFirst falls back to Default, ClusterFirstWithHostNet does not', () => {
    assert.deepEqual(podDnsConfig({ ...base, hostNetwork: true }).servers, ['127.0.0.53', '192.168.1.1']);
    assert.deepEqual(podDnsConfig({ ...base, hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }).servers, ['10.43.0.10']);
  });

  it('merges the pod\'s dnsConfig last, within the kubelet\'s limits', () => {
    const c = podDnsConfig({ ...base, dnsConfig: { nameservers: ['1.1.1.1', '10.43.0.10', '9.9.9.9', '8.8.8.8'], searches: ['a.example.', 'cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request-reopen' }] } });
    assert.deepEqual(c.servers, ['10.43.0.10', '1.1.1.1', '9.9.9.9']);
    assert.deepEqual(c.searches, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'a.example']);
    assert.deepEqual(c.options, ['ndots:2', 'single-request-reopen']);
    const many = podDnsConfig({ ...base, dnsPolicy: 'None', dnsConfig: { searches: Array.from({ length: 40 }, (_, i) => `d${i}.example`) } });
    assert.equal(many.searches.length, 32);
    assert.deepEqual(podDnsConfig({ ...base, dnsPolicy: 'None' }), { servers: [], searches: [], options: [] });
  });
});
