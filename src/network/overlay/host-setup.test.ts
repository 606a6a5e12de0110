import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainRules, restoreInput } from './masquerade.js';
import { pickUnderlay } from './underlay.js';
import { deviceMatches } from './vxlan-device.js';

test('masquerade: pod→pod inside the cluster range returns early, multicast too, the rest leaves masqueraded', () => {
  assert.equal(
    restoreInput('10.42.0.0/16'),
    [
      '*nat',
      ':K3TS-POSTROUTING-MASQ - [0:0]',
      '-A K3TS-POSTROUTING-MASQ -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment "pod to pod keeps its source" -j RETURN',
      '-A K3TS-POSTROUTING-MASQ -s 10.42.0.0/16 -d 224.0.0.0/4 -j RETURN',
      '-A K3TS-POSTROUTING-MASQ -s 10.42.0.0/16 -j MASQUERADE --random-fully',
      'COMMIT',
      '*filter',
      ':K3TS-FORWARD - [0:0]',
      '-A K3TS-FORWARD -s 10.42.0.0/16 -j ACCEPT',
      '-A K3TS-FORWARD -d 10.42.0.0/16 -j ACCEPT',
      'COMMIT',
      '',
    ].join('\n'),
  );
  assert.equal(chainRules('10.42.0.0/16')['K3TS-FORWARD']![0], '-N K3TS-FORWARD');
});

test('the underlay is the interface holding the node IP, or the one named; its absence names the flag', () => {
  const addrs = [
    { ifname: 'lo', mtu: 65536, addr_info: [{ local: '127.0.0.1' }] },
    { ifname: 'eth0', mtu: 1500, addr_info: [{ local: '192.168.250.11' }] },
    { ifname: 'eth1', mtu: 9000, addr_info: [{ local: '10.0.0.11' }] },
  ];
  assert.deepEqual(pickUnderlay(addrs, { nodeIP: '192.168.250.11' }), { iface: 'eth0', mtu: 1500 });
  assert.deepEqual(pickUnderlay(addrs, { nodeIP: '192.168.250.11', iface: 'eth1' }), { iface: 'eth1', mtu: 9000 });
  assert.throws(() => pickUnderlay(addrs, { nodeIP: '192.168.9.9' }), /wrong --node-ip/);
  assert.throws(() => pickUnderlay(addrs, { nodeIP: '192.168.250.11', iface: 'eth7' }), /--flannel-iface/);
});

test('an existing flannel.1 is kept only when VNI, local IP, underlay, port and no-learning all match', () => {
  const spec = { nodeIP: '192.168.250.11', iface: 'eth0', mtu: 1450, address: '10.42.1.0' };
  const link = { linkinfo: { info_kind: 'vxlan', info_data: { id: 1, local: '192.168.250.11', link: 'eth0', port: 8472, learning: false } } };
  assert.equal(deviceMatches(link, spec), true);
  assert.equal(deviceMatches(link, { ...spec, nodeIP: '192.168.250.99' }), false);
  assert.equal(deviceMatches({ linkinfo: { ...link.linkinfo, info_data: { ...link.linkinfo.info_data, learning: true } } }, spec), false);
  assert.equal(deviceMatches({ linkinfo: { ...link.linkinfo, info_data: { ...link.linkinfo.info_data, port: 4789 } } }, spec), false);
});
