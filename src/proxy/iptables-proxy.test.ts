// The proxy against a real kernel, in namespaces this test makes: what a user of a Service sees.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryInformer } from '../client/informer.js';
import { mustRun } from '../network/host-command.js';
import type { KObject } from '../registry/types.js';
import { startServiceProxy } from './iptables-proxy.js';
import { endpointSlice, service, type EndpointSpec } from './objects.js';
import { BRIDGE_IP, CLIENT_IP, CLUSTER_CIDR, createNetnsWorld, NODE_IP, netnsSkipReason, POD_UDP_PORT, type NetnsWorld } from './test-netns.js';
import type { ServiceProxy } from './types.js';

const skip = netnsSkipReason();
if (skip) console.log(`# skipping the iptables proxy test: ${skip}`);

const CLUSTER_IP = '10.96.0.10';
const NODE_PORT = 30080;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const who = (bodies: string[]) => bodies.map((b) => b.split(' ')[0]!);
const count = (names: string[]) => names.reduce<Record<string, number>>((m, n) => ((m[n] = (m[n] ?? 0) + 1), m), {});
/** iptables-save without its comments and packet counters, which change by themselves. */
const saveText = async (w: NetnsWorld) =>
  (await mustRun(w.run(w.node), 'iptables-save', []))
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, '[0:0]'))
    .join('\n');

describe('iptables service proxy in network namespaces', { skip, timeout: 120_000 }, () => {
  let w: NetnsWorld;
  let proxy: ServiceProxy | undefined;
  let before0 = '';
  const logs: string[] = [];
  const services = new MemoryInformer<KObject>();
  const slices = new MemoryInformer<KObject>();
  const svc = (extra: Parameters<typeof service>[1] = {}) =>
    service('web', { type: 'NodePort', clusterIP: CLUSTER_IP, ports: [{ name: 'http', port: 80, nodePort: NODE_PORT, protocol: 'TCP' }], ...extra });
  const eps = (pods = w.pods): EndpointSpec[] => pods.map((p) => ({ ip: p.ip, node: 'node-a' }));

  before(async () => {
    w = await createNetnsWorld({ pods: 3 });
    // Someone else's rules, as the CNI plugins write them: the proxy must leave them be.
    const ipt = (...args: string[]) => mustRun(w.run(w.node), 'iptables', args);
    await ipt('-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.1.0/24', '!', '-d', CLUSTER_CIDR, '-j', 'MASQUERADE');
    await ipt('-t', 'filter', '-A', 'FORWARD', '-i', 'br0', '-j', 'ACCEPT');
    // Other k3ts parts' chains share the K3TS- prefix (overlay masquerade, network policy): not ours to touch.
    await ipt('-t', 'nat', '-N', 'K3TS-POSTROUTING-MASQ');
    await ipt('-t', 'nat', '-A', 'K3TS-POSTROUTING-MASQ', '-s', '10.244.0.0/16', '-d', '10.244.0.0/16', '-j', 'RETURN');
    await ipt('-t', 'nat', '-A', 'POSTROUTING', '-j', 'K3TS-POSTROUTING-MASQ');
    await ipt('-t', 'filter', '-N', 'K3TS-NP-FORWARD');
    await ipt('-t', 'filter', '-A', 'FORWARD', '-j', 'K3TS-NP-FORWARD');
    await ipt('-t', 'filter', '-N', 'K3TS-FORWARD');
    before0 = await saveText(w);
    services.replace([svc()]);
    slices.replace([endpointSlice('web', eps(), { ports: [{ name: 'http', port: 8080 }] })]);
    proxy = startServiceProxy({
      services,
      endpointSlices: slices,
      nodeName: 'node-a',
      nodeIPs: [NODE_IP],
      clusterCidr: CLUSTER_CIDR,
      run: w.run(w.node),
      resyncMs: 400,
      log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    });
    await proxy.synced;
  });

  after(async () => {
    await proxy?.stop().catch(() => undefined);
    await w?.teardown();
  });

  it('rotates ClusterIP connections strictly: 6 requests, 2 per pod', async () => {
    const bodies = await w.get(w.node, `http://${CLUSTER_IP}/`, 6);
    assert.deepEqual(count(who(bodies)), { 'pod-0': 2, 'pod-1': 2, 'pod-2': 2 }, bodies.join(', '));
  });

  it('rotates NodePort connections from another host, masquerading them', async () => {
    const bodies = await w.get(w.client, `http://${NODE_IP}:${NODE_PORT}/`, 6);
    assert.deepEqual(count(who(bodies)), { 'pod-0': 2, 'pod-1': 2, 'pod-2': 2 }, bodies.join(', '));
    assert.ok(bodies.every((b) => b.endsWith(` ${BRIDGE_IP}`)), bodies.join(', '));
  });

  it('answers 127.0.0.1:NodePort on the node', async () => {
    const bodies = await w.get(w.node, `http://127.0.0.1:${NODE_PORT}/`, 3);
    assert.deepEqual(who(bodies).sort(), ['pod-0', 'pod-1', 'pod-2'], bodies.join(', '));
  });

  it('answers a pod that reaches itself through its service (hairpin)', async () => {
    const bodies = await w.get(w.pods[0]!.ns, `http://${CLUSTER_IP}/`, 3);
    assert.deepEqual(who(bodies).sort(), ['pod-0', 'pod-1', 'pod-2'], bodies.join(', '));
  });

  it('writes rules exactly as iptables-save prints them (no drift reported at rest)', async () => {
    logs.length = 0;
    await proxy!.syncNow();
    await proxy!.syncNow();
    assert.deepEqual(logs.filter((l) => l.includes('behind our back') || l.includes('restored')), []);
    // Ours is the only FORWARD jump that goes last: policy and other chains decide before its ACCEPTs.
    const forward = (await mustRun(w.run(w.node), 'iptables', ['-S', 'FORWARD'])).trim().split('\n');
    assert.match(forward.at(-1)!, /-j K3TS-PROXY-FORWARD$/);
    assert.match(forward[1]!, /-j K3TS-PROXY-REJECT$/);
    // Each jump from a built-in chain exactly once: what we look for is what iptables-save prints.
    const saved = await mustRun(w.run(w.node), 'iptables-save', []);
    for (const target of ['K3TS-SERVICES', 'K3TS-POSTROUTING', 'K3TS-PROXY-REJECT', 'K3TS-PROXY-FORWARD', 'K3TS-PROXY-FIREWALL']) {
      const jumps = saved.split('\n').filter((l) => /^-A (PREROUTING|OUTPUT|POSTROUTING|INPUT|FORWARD) /.test(l) && l.endsWith(`-j ${target}`));
      assert.equal(jumps.length, { 'K3TS-SERVICES': 2, 'K3TS-PROXY-REJECT': 3 }[target] ?? 1, `${target}: ${jumps.join('; ')}`);
    }
  });

  it('keeps a client on one pod with ClientIP affinity', async () => {
    services.set(svc({ sessionAffinity: 'ClientIP' }));
    await proxy!.syncNow();
    const bodies = await w.get(w.node, `http://${CLUSTER_IP}/`, 6);
    assert.equal(new Set(who(bodies)).size, 1, bodies.join(', '));
    services.set(svc());
  });

  it('keeps the client address and only local pods with externalTrafficPolicy Local', async () => {
    services.set(svc({ externalTrafficPolicy: 'Local' }));
    slices.set(endpointSlice('web', [...eps(w.pods.slice(0, 2)), { ip: w.pods[2]!.ip, node: 'node-b' }], { ports: [{ name: 'http', port: 8080 }] }));
    await proxy!.syncNow();
    const bodies = await w.get(w.client, `http://${NODE_IP}:${NODE_PORT}/`, 4);
    assert.deepEqual(count(who(bodies)), { 'pod-0': 2, 'pod-1': 2 }, bodies.join(', '));
    assert.ok(bodies.every((b) => b.endsWith(` ${CLIENT_IP}`)), bodies.join(', '));
    services.set(svc());
    slices.set(endpointSlice('web', eps(), { ports: [{ name: 'http', port: 8080 }] }));
    await proxy!.syncNow();
  });

  it('balances a LoadBalancer whose ingress IP is the node IP (ServiceLB) on the service port', async () => {
    services.set(service('web', { type: 'LoadBalancer', clusterIP: CLUSTER_IP, ports: [{ name: 'http', port: 80, nodePort: NODE_PORT, protocol: 'TCP' }] }, { lbIPs: [NODE_IP] }));
    await proxy!.syncNow();
    const bodies = await w.get(w.client, `http://${NODE_IP}:80/`, 6);
    assert.deepEqual(count(who(bodies)), { 'pod-0': 2, 'pod-1': 2, 'pod-2': 2 }, bodies.join(', '));
    services.set(svc());
    await proxy!.syncNow();
  });

  it('stops sending new connections to a removed endpoint within 1 s', async () => {
    const removed = w.pods[2]!;
    const t0 = performance.now();
    slices.set(endpointSlice('web', eps(w.pods.slice(0, 2)), { ports: [{ name: 'http', port: 8080 }] }));
    let live = -1;
    while (performance.now() - t0 < 1000) {
      const text = await mustRun(w.run(w.node), 'iptables-save', ['-t', 'nat']);
      if (!text.includes(`${removed.ip}:`)) {
        live = performance.now() - t0;
        break;
      }
      await sleep(5);
    }
    assert.ok(live >= 0 && live < 1000, `rule gone after ${live} ms`);
    console.log(`# endpoint removal live after ${live.toFixed(1)} ms`);
    const bodies = await w.get(w.node, `http://${CLUSTER_IP}/`, 6);
    assert.deepEqual(count(who(bodies)), { 'pod-0': 3, 'pod-1': 3 }, bodies.join(', '));
  });

  it('moves a UDP flow off a removed endpoint (its conntrack entry is cleared)', async () => {
    const dns = (pods = w.pods) => endpointSlice('dns', eps(pods), { ports: [{ name: 'dns', port: POD_UDP_PORT, protocol: 'UDP' }] });
    services.set(service('dns', { clusterIP: '10.96.0.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
    slices.set(dns());
    await proxy!.syncNow();
    const first = await w.udp(w.node, '10.96.0.53', 53, 40053);
    const pod = w.pods.find((p) => first.startsWith(`${p.name} `));
    assert.ok(pod, first);
    assert.equal(await w.udp(w.node, '10.96.0.53', 53, 40053), first, 'same flow, same pod');
    // The removed pod still runs and would still answer: only the cleared flow moves the client.
    slices.set(dns(w.pods.filter((p) => p !== pod)));
    await sleep(300);
    const after = await w.udp(w.node, '10.96.0.53', 53, 40053);
    assert.ok(!after.startsWith(`${pod!.name} `) && !after.startsWith('ERR'), after);
    services.delete(service('dns', {}));
    slices.delete(dns());
  });

  it('refuses connections at once when the service has no endpoints', async () => {
    slices.set(endpointSlice('web', [], { ports: [{ name: 'http', port: 8080 }] }));
    await proxy!.syncNow();
    for (const [ns, url] of [
      [w.node, `http://${CLUSTER_IP}/`],
      [w.client, `http://${NODE_IP}:${NODE_PORT}/`],
      [w.pods[0]!.ns, `http://${CLUSTER_IP}/`],
    ] as const) {
      const [result] = await w.get(ns, url, 1, 3000);
      const m = /^ERR (\S+) (\d+)$/.exec(result!);
      assert.ok(m, `${url} from ${ns}: ${result}`);
      assert.equal(m[1], 'ECONNREFUSED', result);
      assert.ok(Number(m[2]) < 500, `refused only after ${m[2]} ms`);
    }
    slices.set(endpointSlice('web', eps(), { ports: [{ name: 'http', port: 8080 }] }));
    await proxy!.syncNow();
  });

  it('puts back a rule and a jump deleted by hand at the next resync', async () => {
    const good = await saveText(w);
    const ipt = (...args: string[]) => mustRun(w.run(w.node), 'iptables', args);
    await ipt('-t', 'nat', '-D', 'K3TS-SERVICES', '1');
    await ipt('-t', 'nat', '-D', 'PREROUTING', '-m', 'comment', '--comment', 'k3ts service portals', '-j', 'K3TS-SERVICES');
    await ipt('-t', 'nat', '-D', 'OUTPUT', '-m', 'comment', '--comment', 'k3ts service portals', '-j', 'K3TS-SERVICES');
    assert.notEqual(await saveText(w), good);
    const t0 = performance.now();
    while ((await saveText(w)) !== good && performance.now() - t0 < 3000) await sleep(50);
    assert.equal(await saveText(w), good, 'restored by the resync (every 400 ms here)');
    assert.ok(logs.some((l) => l.includes('behind our back')));
    const bodies = await w.get(w.node, `http://${CLUSTER_IP}/`, 3);
    assert.deepEqual(who(bodies).sort(), ['pod-0', 'pod-1', 'pod-2'], bodies.join(', '));
  });

  it('stop() leaves iptables as it found it', async () => {
    await proxy!.stop();
    proxy = undefined;
    assert.equal(await saveText(w), before0);
  });
});
