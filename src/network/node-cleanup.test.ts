import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { removalInput } from './node-cleanup.js';

describe('node network clean-up', () => {
  it('removes our jumps and chains, and leaves everyone else\'s rules alone', () => {
    const saved = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ':DOCKER - [0:0]',
      ':K3TS-SERVICES - [0:0]',
      ':K3TS-SVC-ABC - [0:0]',
      '-A PREROUTING -m comment --comment "k3ts service portals" -j K3TS-SERVICES',
      '-A PREROUTING -j DOCKER',
      '-A K3TS-SERVICES -d 10.43.0.10/32 -j K3TS-SVC-ABC',
      'COMMIT',
    ].join('\n');
    assert.equal(
      removalInput('nat', saved),
      ['*nat', '-D PREROUTING -m comment --comment "k3ts service portals" -j K3TS-SERVICES', '-F K3TS-SERVICES', '-F K3TS-SVC-ABC', '-X K3TS-SERVICES', '-X K3TS-SVC-ABC', 'COMMIT', ''].join('\n'),
    );
    assert.equal(removalInput('filter', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DOCKER-USER\nCOMMIT\n'), undefined);
  });
});
