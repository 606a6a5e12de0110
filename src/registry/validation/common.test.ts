import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipFamily, isLinkLocal } from './common.js';

test('ipFamily: malformed IPv6 is not an address', () => {
  for (const bad of [':::', '1:::2', '1:2:3:4:5:6:7:8:', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '10.43.0.300', '']) {
    assert.equal(ipFamily(bad), 0, bad);
  }
  assert.equal(ipFamily('10.43.0.1'), 4);
  assert.equal(ipFamily('2001:db8::ffff'), 6);
  assert.equal(ipFamily('::ffff:10.0.0.1'), 6);
  assert.equal(ipFamily('::'), 6);
});

test('isLinkLocal covers all of fe80::/10 and 169.254.0.0/16', () => {
  for (const ip of ['169.254.0.1', 'fe80::1', 'fe81::1', 'febf:ffff::1', 'FE90::1', '::ffff:169.254.3.4']) assert.equal(isLinkLocal(ip), true, ip);
  for (const ip of ['169.255.0.1', 'fec0::1', 'fe7f::1', '10.0.0.1', 'not-an-ip']) assert.equal(isLinkLocal(ip), false, ip);
});
