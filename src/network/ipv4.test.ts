import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, cidrsOverlap, intToIp, ipToInt, nthAddress, parseCidr, tryParseCidr } from './ipv4.js';

describe('ipv4', () => {
  it('turns addresses into integers and back, refusing what is not a dotted quad', () => {
    assert.equal(ipToInt('10.42.1.7'), 10 * 2 ** 24 + 42 * 2 ** 16 + 256 + 7);
    assert.equal(intToIp(ipToInt('255.255.255.255')!), '255.255.255.255');
    for (const bad of ['10.42.1', '10.42.1.256', '1.2.3.4.5', '::1', '01a.1.1.1']) assert.equal(ipToInt(bad), undefined, bad);
  });

  it('parses ranges with the host bits cleared, and answers membership and overlap', () => {
    const r = parseCidr('10.42.1.9/24');
    assert.deepEqual(r, { base: ipToInt('10.42.1.0'), bits: 24, size: 256, text: '10.42.1.0/24' });
    assert.equal(nthAddress(r, 0), '10.42.1.0');
    assert.equal(nthAddress(r, 1), '10.42.1.1');
    assert.throws(() => nthAddress(r, 256));
    assert.ok(cidrContains(r, '10.42.1.255'));
    assert.ok(!cidrContains(r, '10.42.2.0'));
    assert.ok(cidrsOverlap(parseCidr('10.42.0.0/16'), r));
    assert.ok(!cidrsOverlap(parseCidr('10.43.0.0/16'), r));
    for (const bad of ['10.42.0.0', '10.42.0.0/33', '10.42.0.0/16/1', 'x/8']) assert.equal(tryParseCidr(bad), undefined, bad);
    assert.throws(() => parseCidr('nope'), /invalid IPv4 CIDR "nope"/);
  });
});
