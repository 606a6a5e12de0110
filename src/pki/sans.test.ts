import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { canonicalIp } from './ip.js';
import { missingSubjectAltNames, servingSubjectAltNames } from './sans.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({
  address,
  family,
  internal,
  netmask: '',
  mac: '00:00:00:00:00:00',
  cidr: null,
  ...(family === 'IPv6' ? { scopeid: 0 } : {}),
});

describe('serving SANs', () => {
  it('covers loopback, the host, its addresses, the kubernetes Service and --tls-san', () => {
    const sans = servingSubjectAltNames({
      hostname: 'Node-A',
      interfaces: {
        lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
        eth0: [iface('192.168.1.5', 'IPv4'), iface('2001:db8:0:0::5', 'IPv6'), iface('fe80::1', 'IPv6')],
      } as never,
      extraSans: ['LB.Example.com.', '[2001:db8::7]', '203.0.113.1,api.example.com'],
    });
    assert.deepEqual(new Set(sans.dnsNames), new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'node-a', 'lb.example.com', 'api.example.com']));
    assert.deepEqual(new Set(sans.ipAddresses), new Set(['127.0.0.1', '::1', '10.43.0.1', '192.168.1.5', '2001:db8::5', '2001:db8::7', '203.0.113.1']));
  });

  it('leaves out the pod network links the node makes (its bridge and pod veths), which come and go with pods', () => {
    const sans = servingSubjectAltNames({
      interfaces: { eth0: [iface('192.168.1.5', 'IPv4')], k3ts1a2b3c4d: [iface('10.42.0.1', 'IPv4')], veth0123abcd: [iface('10.42.0.9', 'IPv4')] } as never,
    });
    assert.ok(sans.ipAddresses.includes('192.168.1.5'));
    assert.ok(!sans.ipAddresses.includes('10.42.0.1') && !sans.ipAddresses.includes('10.42.0.9'));
  });

  it('takes the Service IP as a parameter', () => {
    const sans = servingSubjectAltNames({ serviceIP: '10.96.0.1', interfaces: {} });
    assert.ok(sans.ipAddresses.includes('10.96.0.1'));
    assert.ok(!sans.ipAddresses.includes('10.43.0.1'));
  });

  it('rejects a --tls-san that is neither IP nor DNS name', () => {
    assert.throws(() => servingSubjectAltNames({ extraSans: ['https://api.example.com:6443'], interfaces: {} }), /--tls-san "https:\/\/api\.example\.com:6443" is neither/);
  });

  it('compares names case-insensitively and IPs by value', () => {
    const have = { dnsNames: ['API.example.com'], ipAddresses: ['0:0:0:0:0:0:0:1'] };
    assert.deepEqual(missingSubjectAltNames({ dnsNames: ['api.example.com'], ipAddresses: ['::1'] }, have), []);
    assert.deepEqual(missingSubjectAltNames({ dnsNames: ['b.example.com'], ipAddresses: ['::2'] }, have), ['DNS:b.example.com', 'IP:::2']);
    assert.equal(canonicalIp('::ffff:1.2.3.4'), '::ffff:102:304');
  });
});
