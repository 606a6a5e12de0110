import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { PeerHealth } from './conditions.js';
import { startPeerCheck } from './peer-check.js';
import type { Peer } from './peers.js';
import type { ProbeTarget, ProbeTransport } from './probe-transport.js';
import { udpProbeTransport } from './udp-transport.js';

const n2: Peer = { name: 'n2', podCidr: '10.42.2.0/24', gateway: '10.42.2.0', publicIP: '192.168.250.12', vtepMac: 'aa:00:00:00:00:02' };

test('each round listens on our addresses and probes every peer in one batch; results arrive per peer', async () => {
  const listened: string[][] = [];
  const sent: ProbeTarget[][] = [];
  let overlayUp = false;
  const transport: ProbeTransport = {
    async listen(addresses) {
      listened.push(addresses);
    },
    async probe(targets) {
      sent.push(targets);
      return targets.map((t) => t.address === n2.publicIP || overlayUp);
    },
    async close() {},
  };
  const rounds: PeerHealth[][] = [];
  // The first round starts at once; roundNow() adds one more after it.
  const check = startPeerCheck({ transport, backend: 'vxlan', mtu: 1450, intervalMs: 3_600_000, listenOn: () => ['192.168.250.11', '10.42.1.0'], peers: () => [n2], onRound: (h) => rounds.push(h) });
  await check.roundNow();
  overlayUp = true;
  await check.roundNow();
  await check.stop();
  assert.deepEqual(listened[0], ['192.168.250.11', '10.42.1.0']);
  assert.deepEqual(listened.at(-1), [], 'stop() closes the responders');
  assert.deepEqual(sent[0]!.map((t) => `${t.address}/${t.size}`), ['10.42.2.0/64', '10.42.2.0/1422', '192.168.250.12/64']);
  assert.deepEqual(rounds.map((r) => [r[0]!.failedRounds, r[0]!.last]), [
    [1, { overlay: false, overlayLarge: false, direct: true }],
    [2, { overlay: false, overlayLarge: false, direct: true }],
    [0, { overlay: true, overlayLarge: true, direct: true }],
  ]);
});

test('the UDP transport on loopback: answers full-size probes, nothing where nobody listens, ignores foreign datagrams', async () => {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const t = udpProbeTransport();
  try {
    await t.listen(['127.0.0.1'], port);
    assert.deepEqual(await t.probe([{ address: '127.0.0.1', port, size: 64 }, { address: '127.0.0.1', port, size: 1422 }, { address: '127.0.0.1', port: port + 1, size: 64 }], 500), [true, true, false]);
    // A datagram without the probe's prefix gets no answer: the responder reflects nothing else.
    const s = createSocket('udp4');
    const answered = await new Promise<boolean>((resolve) => {
      s.on('message', () => resolve(true));
      s.send(Buffer.from('hello'), port, '127.0.0.1');
      setTimeout(() => resolve(false), 300);
    });
    s.close();
    assert.equal(answered, false);
    await t.listen([], port);
    assert.deepEqual(await t.probe([{ address: '127.0.0.1', port, size: 64 }], 300), [false]);
  } finally {
    await t.close();
  }
});
