import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseNodeCidr, nodeCidrConflict, planUpNetwork } from './node-network.js';

describe('k3ts up node network plan', () => {
  it('takes a 10.45.N.0/24 of the data dir\'s, the next one when a route on the machine covers it, never the pod or service range', () => {
    const first = chooseNodeCidr(['192.0.2.0/24', '127.0.0.0/8'], '/tmp/a');
    assert.match(first, /^10\.45\.\d+\.0\/24$/);
    assert.equal(chooseNodeCidr([], '/tmp/a'), first, 'the same every time for one dir');
    assert.notEqual(chooseNodeCidr([], '/tmp/b'), first, 'another dir, another range');
    const n = Number(first.split('.')[2]);
    const next = `10.45.${(n + 1) % 256}.0/24`;
    assert.equal(chooseNodeCidr([first, `10.45.${(n + 1) % 256}.7/32`], '/tmp/a'), `10.45.${(n + 2) % 256}.0/24`, 'a host route inside a range takes it too');
    assert.notEqual(next, first);
    assert.throws(() => chooseNodeCidr(['10.0.0.0/8'], '/tmp/a'), /no free \/24 .* pass --node-cidr/);
    assert.equal(nodeCidrConflict('10.42.3.0/24', []), '10.42.0.0/16');
    assert.equal(nodeCidrConflict('10.45.0.0/24', ['192.0.2.0/24']), undefined);
  });

  it('names links and namespaces per data dir within the kernel\'s 15 bytes, one address per node', () => {
    const a = planUpNetwork('/tmp/a', ['server', 'agent 1', 'agent 2'], '10.45.3.0/24');
    const b = planUpNetwork('/tmp/b', ['server'], '10.45.4.0/24');
    assert.equal(a.gateway, '10.45.3.1');
    assert.deepEqual(a.nodes.map((n) => n.ip), ['10.45.3.10', '10.45.3.11', '10.45.3.12']);
    assert.deepEqual(a.nodes.map((n) => n.netns.replace(/[0-9a-f]{6}/, 'T')), ['k3ts-T-server', 'k3ts-T-agent1', 'k3ts-T-agent2']);
    for (const name of [a.bridge, ...a.nodes.map((n) => n.hostVeth)]) assert.ok(Buffer.byteLength(name) <= 15, name);
    assert.notEqual(a.bridge, b.bridge);
    assert.notEqual(a.nodes[0]!.netns, b.nodes[0]!.netns);
  });
});
