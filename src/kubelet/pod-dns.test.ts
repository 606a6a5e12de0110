import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseResolvConf, podDnsConfig } from './pod-dns.js';

const host = parseResolvConf('# made by hand\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch lan example.test\noptions edns0 timeout:2\n');
const settings = { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local', host };
const pod = (spec: Partial<Pod['spec']> = {}, namespace = 'shop'): Pod => ({ metadata: { name: 'p', namespace }, spec: { containers: [{ name: 'c' }], ...spec } });

describe('pod DNS', () => {
  it('reads a resolv.conf', () => {
    assert.deepEqual(host, { servers: ['192.0.2.53', '192.0.2.54'], searches: ['lan', 'example.test'], options: ['edns0', 'timeout:2'] });
  });

  it('ClusterFirst: the cluster DNS, search paths from the pod\'s namespace out, then the node\'s, ndots:5', () => {
    assert.deepEqual(podDnsConfig(pod(), settings), {
      servers: ['10.43.0.10'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan', 'example.test'],
      options: ['ndots:5'],
    });
  });

  it('host-network pods and Default get the node\'s resolvers, unless ClusterFirstWithHostNet', () => {
    assert.deepEqual(podDnsConfig(pod({ hostNetwork: true }), settings), host);
    assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), settings), host);
    assert.deepEqual(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), settings).servers, ['10.43.0.10']);
    assert.deepEqual(podDnsConfig(pod(), { ...settings, clusterDns: [] }), host, 'no cluster DNS: the node\'s');
  });

  it('None takes only dnsConfig; dnsConfig adds servers and searches and overrides options by name', () => {
    const dnsConfig = { nameservers: ['192.0.2.99'], searches: ['corp.test'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request' }] };
    assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig }), settings), { servers: ['192.0.2.99'], searches: ['corp.test'], options: ['ndots:2', 'single-request'] });
    const merged = podDnsConfig(pod({ dnsConfig }), settings);
    assert.deepEqual(merged.servers, ['10.43.0.10', '192.0.2.99']);
    assert.equal(merged.searches.at(-1), 'corp.test');
    assert.deepEqual(merged.options, ['ndots:2', 'single-request']);
  });
});
