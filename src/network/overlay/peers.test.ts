import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND_DATA, BACKEND_TYPE, KUBE_SUBNET_MANAGER, ownAnnotations, PUBLIC_IP, readPeerAnnotations } from './annotations.js';
import { desiredPeers } from './peers.js';
import type { OverlayNode } from './types.js';

const node = (name: string, podCIDR: string | undefined, annotations: Record<string, string>): OverlayNode => ({
  metadata: { name, annotations },
  spec: podCIDR ? { podCIDR } : {},
});
const vx = (ip: string, mac: string) => ownAnnotations({ backend: 'vxlan', nodeIP: ip, vtepMac: mac });

test('own annotations are the ones flannel publishes: backend type, VNI and VTEP MAC, public IP', () => {
  assert.deepEqual(ownAnnotations({ backend: 'vxlan', nodeIP: '192.168.1.5', vtepMac: 'aa:bb:cc:dd:ee:01' }), {
    [BACKEND_TYPE]: 'vxlan',
    [BACKEND_DATA]: '{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:01"}',
    [PUBLIC_IP]: '192.168.1.5',
    [KUBE_SUBNET_MANAGER]: 'true',
  });
  assert.equal(ownAnnotations({ backend: 'host-gw', nodeIP: '192.168.1.5' })[BACKEND_DATA], 'null');
});

test("a flannel node's annotations (upper-case MAC, no VNI) are read as a peer; a bad MAC is missing", () => {
  assert.deepEqual(readPeerAnnotations(node('k3s-1', '10.42.9.0/24', { [BACKEND_TYPE]: 'vxlan', [BACKEND_DATA]: '{"VtepMAC":"AA:BB:CC:DD:EE:0F"}', [PUBLIC_IP]: '10.0.0.6' })), {
    backend: 'vxlan',
    publicIP: '10.0.0.6',
    vtepMac: 'aa:bb:cc:dd:ee:0f',
  });
  assert.deepEqual(readPeerAnnotations(node('x', undefined, { [BACKEND_TYPE]: 'vxlan', [BACKEND_DATA]: 'nonsense', [PUBLIC_IP]: '10.0.0.6' })), { missing: `${BACKEND_DATA} VtepMAC` });
});

test('desired peers: every other node with a podCIDR in the cluster range and annotations of the same backend', () => {
  const nodes = [
    node('n1', '10.42.1.0/24', vx('192.168.250.11', 'aa:00:00:00:00:01')),
    node('n3', '10.42.3.0/24', vx('192.168.250.13', 'aa:00:00:00:00:03')),
    node('n2', '10.42.2.0/24', vx('192.168.250.12', 'aa:00:00:00:00:02')),
    node('fresh', undefined, {}),
    node('unannotated', '10.42.4.0/24', {}),
    node('outside', '10.99.0.0/24', vx('192.168.250.15', 'aa:00:00:00:00:05')),
    node('hostgw', '10.42.6.0/24', ownAnnotations({ backend: 'host-gw', nodeIP: '192.168.250.16' })),
  ];
  const { peers, skipped } = desiredPeers(nodes, { self: 'n1', backend: 'vxlan', clusterCidr: '10.42.0.0/16' });
  assert.deepEqual(peers, [
    { name: 'n2', podCidr: '10.42.2.0/24', gateway: '10.42.2.0', publicIP: '192.168.250.12', vtepMac: 'aa:00:00:00:00:02' },
    { name: 'n3', podCidr: '10.42.3.0/24', gateway: '10.42.3.0', publicIP: '192.168.250.13', vtepMac: 'aa:00:00:00:00:03' },
  ]);
  assert.deepEqual(
    skipped.map((s) => s.name),
    ['fresh', 'unannotated', 'outside', 'hostgw'],
  );
  assert.match(skipped.find((s) => s.name === 'hostgw')!.why, /host-gw backend/);
});

test('a node being deleted is no longer a peer', () => {
  const n2 = node('n2', '10.42.2.0/24', vx('192.168.250.12', 'aa:00:00:00:00:02'));
  n2.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  assert.deepEqual(desiredPeers([n2], { self: 'n1', backend: 'vxlan', clusterCidr: '10.42.0.0/16' }).peers, []);
});
