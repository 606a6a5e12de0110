// startPodNetwork without a host: what it does before the node has a podCIDR (nothing but look).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryInformer } from '../../client/informer.js';
import type { RunCommand } from '../host-command.js';
import { startPodNetwork } from './pod-network.js';
import type { OverlayNode } from './types.js';

test('before the podCIDR: MTU from the underlay, NetworkUnavailable True saying why, no changes to the host, nothing published', async () => {
  const calls: string[] = [];
  const run: RunCommand = async (cmd, args) => {
    calls.push(`${cmd} ${args.join(' ')}`);
    if (cmd === 'ip' && args.join(' ') === '-j -4 addr show') return { code: 0, stdout: JSON.stringify([{ ifname: 'eth0', mtu: 9000, addr_info: [{ local: '192.168.250.11' }] }]), stderr: '' };
    return { code: 1, stdout: '', stderr: 'not here' };
  };
  const nodes = new MemoryInformer<OverlayNode>([{ metadata: { name: 'n1' } }]);
  const annotated: unknown[] = [];
  const net = await startPodNetwork({ nodes, nodeName: 'n1', nodeIP: '192.168.250.11', backend: 'vxlan', clusterCidr: '10.42.0.0/16', run, annotate: async (a) => void annotated.push(a), log: { info: () => undefined, warn: () => undefined } });
  try {
    assert.equal(net.mtu, 8950);
    await new Promise((r) => setTimeout(r, 50));
    const [nu, or] = net.conditions();
    assert.deepEqual([nu!.type, nu!.status, nu!.message], ['NetworkUnavailable', 'True', 'k3ts vxlan overlay is not configured yet: no podCIDR assigned to this node yet']);
    assert.equal(or!.status, 'Unknown');
    assert.ok(nu!.lastTransitionTime);
    assert.deepEqual(calls, ['ip -j -4 addr show']);
    assert.deepEqual(annotated, []);
  } finally {
    await net.stop();
  }
});

test("backend none: the underlay's MTU, no conditions, nothing run but the look-up", async () => {
  const calls: string[] = [];
  const run: RunCommand = async (cmd, args) => {
    calls.push(`${cmd} ${args.join(' ')}`);
    return { code: 0, stdout: JSON.stringify([{ ifname: 'eth0', mtu: 1500, addr_info: [{ local: '10.0.0.5' }] }]), stderr: '' };
  };
  const net = await startPodNetwork({ nodes: new MemoryInformer<OverlayNode>([]), nodeName: 'n1', nodeIP: '10.0.0.5', backend: 'none', clusterCidr: '10.42.0.0/16', run, annotate: async () => undefined, log: { info: () => undefined, warn: () => undefined } });
  await net.ready;
  assert.equal(net.mtu, 1500);
  assert.deepEqual(net.conditions(), []);
  await net.stop();
  assert.deepEqual(calls, ['ip -j -4 addr show']);
});
