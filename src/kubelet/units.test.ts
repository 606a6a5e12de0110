import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodIPAllocator } from '../runtime/sim/pod-ips.js';
import { expandRefs, fieldValue } from './env.js';
import { RestartBackoff, goDuration } from './backoff.js';

test('pod addresses: .1 is the gateway, the network and broadcast are never given, released ones come back last', () => {
  const ips = new PodIPAllocator();
  assert.equal(ips.allocate(), undefined, 'nothing before the node has a podCIDR');
  ips.setCidr('10.42.7.0/29'); // .0 network, .1 gateway, .2-.6 pods, .7 broadcast
  assert.equal(ips.gateway(), '10.42.7.1');
  const got = [1, 2, 3, 4, 5].map(() => ips.allocate());
  assert.deepEqual(got, ['10.42.7.2', '10.42.7.3', '10.42.7.4', '10.42.7.5', '10.42.7.6']);
  assert.equal(ips.allocate(), undefined, 'exhausted');
  ips.release('10.42.7.3');
  assert.equal(ips.allocate(), '10.42.7.3');
  assert.equal(ips.reserve('10.42.7.3'), false, 'taken');
  assert.equal(ips.reserve('10.42.8.3'), false, 'outside the range');
});

test('$(VAR) expansion: defined names are replaced, $$ escapes, unknown references stay as written', () => {
  const env = new Map([
    ['A', 'x'],
    ['B', 'y'],
  ]);
  assert.equal(expandRefs('$(A)-$(B)', env), 'x-y');
  assert.equal(expandRefs('$$(A) $(C) $ $(', env), '$(A) $(C) $ $(');
});

test('crash-loop back-off: immediate first restart, then doubling delays up to the cap, Go-formatted', () => {
  const b = new RestartBackoff({ initialMs: 10_000, maxMs: 300_000 });
  let now = 0;
  assert.equal(b.remaining('c', now, now), 0);
  b.restarted('c', now, now);
  const delays: string[] = [];
  for (let i = 0; i < 7; i++) {
    now += 1000; // it crashes a second after each start
    const wait = b.remaining('c', now, now);
    delays.push(goDuration(b.delayOf('c')));
    now += wait;
    b.restarted('c', now - wait, now);
  }
  assert.deepEqual(delays, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
  assert.equal(goDuration(250), '250ms');
});

test('downward API labels and annotations: sorted key="value" lines, values quoted as Go %q so each stays on its line', () => {
  const pod = { metadata: { annotations: { b: 'say "hi"\nbye', a: 'tab\there \\ \u0001 é' } } };
  assert.equal(fieldValue('metadata.annotations', { pod, podIPs: [], hostIPs: [] }), 'a="tab\\there \\\\ \\x01 é"\nb="say \\"hi\\"\\nbye"');
});
