import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayConditions, type PeerHealth } from './conditions.js';
import { nextHealth, roundResult, roundTargets } from './peer-check.js';
import type { Peer } from './peers.js';

const base = { me: 'n1', backend: 'vxlan' as const, mtu: 1450, configured: true as const };
const peer = (last: PeerHealth['last'], failedRounds = 2): PeerHealth => ({ name: 'n3', nodeIP: '192.168.250.13', failedRounds, ...(last ? { last } : {}) });
const reach = (peers: PeerHealth[]) => overlayConditions({ ...base, peers })[1]!;

test('until configured: NetworkUnavailable True with the reason, reachability Unknown', () => {
  const [nu, or] = overlayConditions({ ...base, configured: { why: 'no podCIDR assigned to this node yet' }, peers: [] });
  assert.deepEqual(nu, { type: 'NetworkUnavailable', status: 'True', reason: 'K3tsOverlayNotReady', message: 'k3ts vxlan overlay is not configured yet: no podCIDR assigned to this node yet' });
  assert.equal(or!.status, 'Unknown');
});

test('configured and every peer answers', () => {
  const [nu, or] = overlayConditions({ ...base, peers: [peer({ overlay: true, overlayLarge: true, direct: true }, 0)] });
  assert.deepEqual(nu, { type: 'NetworkUnavailable', status: 'False', reason: 'K3tsOverlayUp', message: 'k3ts vxlan overlay is configured (MTU 1450)' });
  assert.deepEqual(or, { type: 'OverlayReachable', status: 'True', reason: 'K3tsPeersReachable', message: 'all 1 peer answer over the overlay' });
});

test('underlay answers, overlay does not: VXLAN port blocked', () => {
  const c = reach([peer({ overlay: false, overlayLarge: false, direct: true })]);
  assert.equal(c.status, 'False');
  assert.equal(c.message, 'UDP 8472 (VXLAN) is blocked between n1 and n3 (192.168.250.13) — open it in the firewall');
});

test('nothing answers: the node IP is wrong or unreachable', () => {
  assert.equal(reach([peer({ overlay: false, overlayLarge: false, direct: false })]).message, 'node IP 192.168.250.13 of n3 is not reachable from n1 (wrong --node-ip / --flannel-iface?)');
});

test('small probes pass, MTU-sized ones do not: an MTU problem', () => {
  assert.match(reach([peer({ overlay: true, overlayLarge: false, direct: true })]).message, /^MTU problem between n1 and n3: small overlay packets pass but 1450-byte ones do not/);
});

test('one lost round is not reported; only the check port filtered at the node IP is not an overlay fault', () => {
  assert.equal(reach([peer({ overlay: false, overlayLarge: false, direct: true }, 1)]).status, 'True');
  assert.equal(reach([peer({ overlay: true, overlayLarge: true, direct: false })]).status, 'True');
});

test('host-gw: a peer whose node IP does not answer', () => {
  const c = overlayConditions({ ...base, backend: 'host-gw', peers: [peer({ direct: false })] })[1]!;
  assert.match(c.message, /node IP 192\.168\.250\.13 of n3 is not reachable/);
});

test('a round: overlay small, overlay MTU-sized, direct; failures count up and reset; departed peers are dropped', () => {
  const p: Peer = { name: 'n3', podCidr: '10.42.3.0/24', gateway: '10.42.3.0', publicIP: '192.168.250.13', vtepMac: 'aa:00:00:00:00:03' };
  assert.deepEqual(roundTargets(p, { backend: 'vxlan', mtu: 1450, port: 8473 }), [
    { address: '10.42.3.0', port: 8473, size: 64 },
    { address: '10.42.3.0', port: 8473, size: 1422 },
    { address: '192.168.250.13', port: 8473, size: 64 },
  ]);
  const bad = roundResult([false, false, true], 'vxlan');
  let h = nextHealth([], [p], [bad]);
  h = nextHealth(h, [p], [bad]);
  assert.equal(h[0]!.failedRounds, 2);
  assert.equal(nextHealth(h, [p], [roundResult([true, true, true], 'vxlan')])[0]!.failedRounds, 0);
  assert.deepEqual(nextHealth(h, [], []), []);
});
