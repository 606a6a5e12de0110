import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CNI_CONFLIST_FILE, cniConflist, writeCniConflist } from './cni-config.js';

test('the conflist is a bridge with host-local addresses from the podCIDR, then portmap', () => {
  const conf = cniConflist({ podCidr: '10.42.3.0/24', bridgeName: 'k3ts0', ipamDir: '/x/ipam' });
  assert.equal(conf.name, 'k3ts');
  assert.deepEqual(conf.plugins.map((p) => p.type), ['bridge', 'portmap']);
  const bridge = conf.plugins[0] as unknown as { bridge: string; isGateway: boolean; ipMasq: boolean; ipam: { ranges: unknown; dataDir: string } };
  assert.equal(bridge.bridge, 'k3ts0');
  assert.equal(bridge.isGateway, true);
  // The overlay masquerades, leaving pod-to-pod traffic between nodes alone.
  assert.equal(bridge.ipMasq, false);
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: '10.42.3.0/24' }]]);
  assert.equal(bridge.ipam.dataDir, '/x/ipam');
  assert.deepEqual(conf.plugins[1]!.capabilities, { portMappings: true });
});

test("the pod network's MTU goes to the bridge (and so to every pod's interface); without one the plugin's default", () => {
  const bridge = (mtu?: number) => cniConflist({ podCidr: '10.42.3.0/24', bridgeName: 'k3ts0', ipamDir: '/x', ...(mtu ? { mtu } : {}) }).plugins[0]!;
  assert.equal(bridge(1450).mtu, 1450);
  assert.equal('mtu' in bridge(), false);
});

test('names the kernel would refuse and ranges that are not IPv4 CIDRs are refused here', () => {
  assert.throws(() => cniConflist({ podCidr: '10.42.0.0/24', bridgeName: 'a-very-long-bridge', ipamDir: '/x' }), /15 bytes/);
  assert.throws(() => cniConflist({ podCidr: '10.42.0.0', bridgeName: 'k3ts0', ipamDir: '/x' }), /not an IPv4 CIDR/);
});

test('writing is atomic and only when the content changes; the directory holds one conflist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-cni-'));
  try {
    const conf = join(dir, 'net.d');
    const o = { podCidr: '10.42.0.0/24', bridgeName: 'k3ts0', ipamDir: join(dir, 'ipam') };
    assert.equal(writeCniConflist(conf, o), true);
    assert.equal(writeCniConflist(conf, o), false);
    assert.equal(writeCniConflist(conf, { ...o, podCidr: '10.42.1.0/24' }), true);
    assert.deepEqual(readdirSync(conf), [CNI_CONFLIST_FILE]);
    assert.match(readFileSync(join(conf, CNI_CONFLIST_FILE), 'utf8'), /10\.42\.1\.0\/24/);
    assert.deepEqual(readdirSync(join(dir, 'ipam')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
