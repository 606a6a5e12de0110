import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { endpointSlice, service, type EndpointSpec } from './objects.js';
import { buildProxyRules, ProxyRulesCache, type ProxyRules } from './rules.js';

const CIDR = '10.244.0.0/16';
const NODE_IP = '192.168.230.2';

function build(services: Service[], slices: EndpointSlice[], nodeName = 'node-a'): ProxyRules {
  return buildProxyRules({ services, endpointSlices: slices, nodeName, nodeIPs: [NODE_IP], clusterCidr: CIDR });
}

const three: EndpointSpec[] = [
  { ip: '10.244.1.2', node: 'node-a' },
  { ip: '10.244.1.3', node: 'node-a' },
  { ip: '10.244.2.4', node: 'node-b' },
];

const rules = (r: ProxyRules, table: 'nat' | 'filter', chain: string) => r[table].get(chain) ?? [];
const target = (line: string) => / -j (\S+)/.exec(line)![1]!;
/** The chain a rule in `chain` matching every fragment jumps to. */
function jumpFrom(r: ProxyRules, chain: string, ...fragments: string[]): string {
  const hits = rules(r, 'nat', chain).filter((l) => fragments.every((f) => l.includes(f)));
  assert.equal(hits.length, 1, `one rule in ${chain} with ${fragments.join(', ')}; have:\n${rules(r, 'nat', chain).join('\n')}`);
  return target(hits[0]!);
}
/** Where the endpoint chains that `chain` jumps to send traffic, in rule order. */
const dnatTargets = (r: ProxyRules, chain: string) =>
  rules(r, 'nat', chain)
    .map(target)
    .filter((t) => t.startsWith('K3TS-SEP-'))
    .map((sep) => /--to-destination (\S+)/.exec(rules(r, 'nat', sep).find((x) => x.includes('DNAT'))!)![1]!);
const chainsNamed = (r: ProxyRules, kind: string) => [...r.nat.keys()].filter((c) => c.startsWith(`K3TS-${kind}-`));

describe('buildProxyRules', () => {
  it('sends a ClusterIP port to each ready backend, masquerading only sources outside the cluster', () => {
    const r = build([service('web', { clusterIP: '10.96.0.10' })], [endpointSlice('web', three)]);
    const svc = jumpFrom(r, 'K3TS-SERVICES', '-d 10.96.0.10/32 -p tcp', '-m tcp --dport 80', '"default/web:http cluster IP"');
    assert.match(svc, /^K3TS-SVC-[0-9A-F]{16}$/);
    const [masq, ...lb] = rules(r, 'nat', svc);
    assert.match(masq!, /^-A K3TS-SVC-\S+ ! -s 10\.244\.0\.0\/16 -d 10\.96\.0\.10\/32 -p tcp .* -m tcp --dport 80 -j K3TS-MARK-MASQ$/);
    assert.equal(lb.length, 3);
    assert.deepEqual(dnatTargets(r, svc), ['10.244.1.2:8080', '10.244.1.3:8080', '10.244.2.4:8080']);
    assert.deepEqual(rules(r, 'filter', 'K3TS-PROXY-REJECT'), []);
  });

  it('rotates strictly: nth every 3, every 2, then the rest', () => {
    const r = build([service('web', { clusterIP: '10.96.0.10' })], [endpointSlice('web', three)]);
    const svc = jumpFrom(r, 'K3TS-SERVICES', '10.96.0.10');
    const lb = rules(r, 'nat', svc).slice(1);
    assert.equal(lb.length, 3);
    assert.match(lb[0]!, /-m statistic --mode nth --every 3 --packet 0 -j K3TS-SEP-/);
    assert.match(lb[1]!, /-m statistic --mode nth --every 2 --packet 0 -j K3TS-SEP-/);
    assert.doesNotMatch(lb[2]!, /statistic/);
    assert.equal(new Set(lb.map(target)).size, 3);
  });

  it('uses terminating backends only when none is ready, and only while they serve', () => {
    const slices = (eps: EndpointSpec[]) => [endpointSlice('web', eps)];
    const svcs = [service('web', { clusterIP: '10.96.0.10' })];
    const backends = (r: ProxyRules) => {
      const svc = rules(r, 'nat', 'K3TS-SERVICES').find((l) => l.includes('10.96.0.10'));
      return svc ? dnatTargets(r, target(svc)) : [];
    };
    const old = { ip: '10.244.1.9', ready: false, serving: true, terminating: true };
    assert.deepEqual(backends(build(svcs, slices([old, { ip: '10.244.1.2' }]))), ['10.244.1.2:8080']);
    assert.deepEqual(backends(build(svcs, slices([old, { ip: '10.244.1.2', ready: false }]))), ['10.244.1.9:8080']);
    const gone = build(svcs, slices([{ ...old, serving: false }, { ip: '10.244.1.2', ready: false }]));
    assert.deepEqual(backends(gone), []);
    assert.equal(rules(gone, 'filter', 'K3TS-PROXY-REJECT').length, 1);
  });

  it('keeps a client on one backend with ClientIP affinity, 10800 s unless configured', () => {
    for (const [config, seconds] of [[undefined, 10800], [{ clientIP: { timeoutSeconds: 60 } }, 60]] as const) {
      const r = build(
        [service('web', { clusterIP: '10.96.0.10', sessionAffinity: 'ClientIP', ...(config ? { sessionAffinityConfig: config } : {}) })],
        [endpointSlice('web', three)],
      );
      const svc = jumpFrom(r, 'K3TS-SERVICES', '10.96.0.10');
      const lines = rules(r, 'nat', svc);
      const checks = lines.filter((l) => l.includes('--rcheck'));
      assert.equal(checks.length, 3);
      for (const l of checks) {
        const sep = target(l);
        assert.ok(l.includes(`-m recent --rcheck --seconds ${seconds} --reap --name ${sep} --mask 255.255.255.255 --rsource`), l);
        assert.ok(rules(r, 'nat', sep).some((x) => x.includes(`-m recent --set --name ${sep} --mask 255.255.255.255 --rsource`) && x.includes('DNAT')));
      }
      // The checks come before the rotation, or a returning client would be rotated away.
      assert.ok(lines.findIndex((l) => l.includes('statistic')) > lines.map((l) => l.includes('--rcheck')).lastIndexOf(true));
    }
  });

  it('masquerades a pod reaching itself through its service (hairpin)', () => {
    const r = build([service('web', { clusterIP: '10.96.0.10' })], [endpointSlice('web', three)]);
    for (const sep of chainsNamed(r, 'SEP')) {
      const [first, dnat] = rules(r, 'nat', sep);
      const ip = /DNAT --to-destination ([\d.]+):/.exec(dnat!)![1];
      assert.match(first!, new RegExp(`-s ${ip!.replace(/\./g, '\\.')}/32 .*-j K3TS-MARK-MASQ$`));
    }
  });

  it('answers a NodePort on the node IPs and 127.0.0.1, masquerading it', () => {
    const r = build([service('web', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }] })], [endpointSlice('web', three)]);
    const svcRules = rules(r, 'nat', 'K3TS-SERVICES');
    assert.deepEqual(svcRules.slice(-2).map((l) => [/-d (\S+)/.exec(l)![1], target(l)]), [
      ['192.168.230.2/32', 'K3TS-NODEPORTS'],
      ['127.0.0.1/32', 'K3TS-NODEPORTS'],
    ]);
    const ext = jumpFrom(r, 'K3TS-NODEPORTS', '-p tcp', '--dport 30080');
    assert.match(ext, /^K3TS-EXT-/);
    const [masq, toSvc] = rules(r, 'nat', ext);
    assert.equal(target(masq!), 'K3TS-MARK-MASQ');
    assert.equal(target(toSvc!), jumpFrom(r, 'K3TS-SERVICES', '10.96.0.10'));
    assert.deepEqual(rules(r, 'nat', 'K3TS-POSTROUTING'), [
      '-A K3TS-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A K3TS-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A K3TS-POSTROUTING -m comment --comment "k3ts service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
  });

  it('with externalTrafficPolicy Local uses only this node\'s backends for outside clients and keeps their source', () => {
    const svc = service('web', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }] });
    const r = build([svc], [endpointSlice('web', three)]);
    const ext = jumpFrom(r, 'K3TS-NODEPORTS', '--dport 30080');
    const extRules = rules(r, 'nat', ext);
    const svcC = jumpFrom(r, 'K3TS-SERVICES', '10.96.0.10');
    assert.equal(extRules.length, 4);
    assert.match(extRules[0]!, /-s 10\.244\.0\.0\/16 .*-j K3TS-SVC-/);
    assert.match(extRules[1]!, /-m addrtype --src-type LOCAL -j K3TS-MARK-MASQ$/);
    assert.equal(target(extRules[2]!), svcC);
    const svl = target(extRules[3]!);
    assert.match(svl, /^K3TS-SVL-/);
    assert.deepEqual(dnatTargets(r, svl), ['10.244.1.2:8080', '10.244.1.3:8080']);
    // ClusterIP traffic still goes everywhere.
    assert.equal(dnatTargets(r, svcC).length, 3);

    const elsewhere = build([svc], [endpointSlice('web', [{ ip: '10.244.2.4', node: 'node-b' }])]);
    const ext2 = jumpFrom(elsewhere, 'K3TS-NODEPORTS', '--dport 30080');
    assert.ok(rules(elsewhere, 'nat', ext2).every((l) => !l.includes('SVL')));
    assert.deepEqual(rules(elsewhere, 'filter', 'K3TS-PROXY-REJECT'), [
      '-A K3TS-PROXY-REJECT -p tcp -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP',
    ]);
  });

  it('with internalTrafficPolicy Local sends ClusterIP traffic to this node\'s backends only', () => {
    const svc = service('web', { internalTrafficPolicy: 'Local', clusterIP: '10.96.0.10' });
    const r = build([svc], [endpointSlice('web', three)]);
    const svl = jumpFrom(r, 'K3TS-SERVICES', '10.96.0.10');
    assert.match(svl, /^K3TS-SVL-/);
    assert.deepEqual(dnatTargets(r, svl), ['10.244.1.2:8080', '10.244.1.3:8080']);
    assert.deepEqual(chainsNamed(r, 'SVC'), []);

    const none = build([svc], [endpointSlice('web', three)], 'node-c');
    assert.ok(!rules(none, 'nat', 'K3TS-SERVICES').some((l) => l.includes('10.96.0.10')));
    assert.deepEqual(rules(none, 'filter', 'K3TS-PROXY-REJECT').map(target), ['DROP']);
  });

  it('balances external IPs and load-balancer ingress IPs like NodePorts', () => {
    const svc = service('web', { type: 'LoadBalancer', clusterIP: '10.96.0.10', externalIPs: ['192.168.240.9'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { lbIPs: [NODE_IP] });
    const r = build([svc], [endpointSlice('web', three)]);
    const ext = jumpFrom(r, 'K3TS-NODEPORTS', '--dport 30080');
    assert.equal(jumpFrom(r, 'K3TS-SERVICES', '-d 192.168.240.9/32', '--dport 80', 'external IP'), ext);
    assert.equal(jumpFrom(r, 'K3TS-SERVICES', `-d ${NODE_IP}/32 -p tcp`, '--dport 80', 'loadbalancer IP'), ext);
  });

  it('refuses connections to a service without endpoints on every address it has', () => {
    const svc = service('web', {
      type: 'NodePort',
      clusterIP: '10.96.0.10',
      externalIPs: ['192.168.240.9'],
      ports: [
        { name: 'http', port: 80, nodePort: 30080 },
        { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
      ],
    });
    const r = build([svc], [endpointSlice('web', [])]);
    assert.deepEqual(chainsNamed(r, 'SVC'), []);
    assert.deepEqual(chainsNamed(r, 'EXT'), []);
    assert.deepEqual(rules(r, 'nat', 'K3TS-NODEPORTS'), []);
    const rejects = rules(r, 'filter', 'K3TS-PROXY-REJECT');
    assert.deepEqual(rejects, [
      '-A K3TS-PROXY-REJECT -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with tcp-reset',
      '-A K3TS-PROXY-REJECT -d 192.168.240.9/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with tcp-reset',
      '-A K3TS-PROXY-REJECT -p tcp -m comment --comment "default/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with tcp-reset',
      '-A K3TS-PROXY-REJECT -d 10.96.0.10/32 -p udp -m comment --comment "default/web:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable',
      '-A K3TS-PROXY-REJECT -d 192.168.240.9/32 -p udp -m comment --comment "default/web:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable',
      '-A K3TS-PROXY-REJECT -p udp -m comment --comment "default/web:dns has no endpoints" -m addrtype --dst-type LOCAL -m udp --dport 30053 -j REJECT --reject-with icmp-port-unreachable',
    ]);
  });

  it('writes nothing for ExternalName, headless and SCTP ports', () => {
    const base = build([], []);
    const r = build(
      [
        service('ext', { type: 'ExternalName', externalName: 'example.com' }),
        service('headless', { clusterIP: 'None' }),
        service('sctp', { clusterIP: '10.96.0.11', ports: [{ name: 'x', port: 9, protocol: 'SCTP' }] }),
      ],
      [endpointSlice('headless', three), endpointSlice('sctp', three, { ports: [{ name: 'x', port: 9, protocol: 'SCTP' }] })],
    );
    assert.deepEqual(r, base);
    assert.deepEqual([...base.nat.keys()].sort(), ['K3TS-MARK-MASQ', 'K3TS-NODEPORTS', 'K3TS-POSTROUTING', 'K3TS-SERVICES']);
    assert.deepEqual([...base.filter.keys()].sort(), ['K3TS-PROXY-FIREWALL', 'K3TS-PROXY-FORWARD', 'K3TS-PROXY-REJECT']);
  });

  it('matches slice ports by name and protocol, and counts a backend listed twice once', () => {
    const svc = service('web', {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'http', port: 80 },
        { name: 'metrics', port: 9090 },
      ],
    });
    const ports = [
      { name: 'http', port: 8080 },
      { name: 'metrics', port: 9100 },
    ];
    const r = build(
      [svc],
      [
        endpointSlice('web', three, { name: 'a', ports }),
        endpointSlice('web', [three[0]!], { name: 'b', ports }),
        endpointSlice('other', [{ ip: '10.244.9.9' }], { name: 'c' }),
        { ...endpointSlice('web', [{ ip: '10.244.9.8' }], { name: 'd' }), addressType: 'IPv6' },
      ],
    );
    const http = jumpFrom(r, 'K3TS-SERVICES', '--dport 80 ');
    const metrics = jumpFrom(r, 'K3TS-SERVICES', '--dport 9090 ');
    assert.deepEqual(dnatTargets(r, http), ['10.244.1.2:8080', '10.244.1.3:8080', '10.244.2.4:8080']);
    assert.deepEqual(dnatTargets(r, metrics), ['10.244.1.2:9100', '10.244.1.3:9100', '10.244.2.4:9100']);
  });

  it('is deterministic and keeps chain names within iptables\' 28 characters', () => {
    const svcs = [service('b', { clusterIP: '10.96.0.11' }), service('a', { clusterIP: '10.96.0.10' })];
    const slices = [endpointSlice('a', three), endpointSlice('b', three)];
    const r1 = build(svcs, slices);
    const r2 = build([...svcs].reverse(), [...slices].reverse());
    assert.deepEqual([...r1.nat], [...r2.nat]);
    for (const c of [...r1.nat.keys(), ...r1.filter.keys()]) assert.ok(c.length <= 28, c);
  });

  it('reuses an unchanged Service\'s chains from the cache and rebuilds a changed one', () => {
    const svcs = [service('a', { clusterIP: '10.96.0.10' }), service('b', { clusterIP: '10.96.0.11' })];
    const slices = [endpointSlice('a', three), endpointSlice('b', three)];
    const cache = new ProxyRulesCache();
    const input = { services: svcs, endpointSlices: slices, nodeName: 'node-a', nodeIPs: [NODE_IP], clusterCidr: CIDR };
    const r1 = buildProxyRules(input, cache);
    const r2 = buildProxyRules({ ...input, endpointSlices: [slices[0]!, endpointSlice('b', three.slice(0, 2))] }, cache);
    const chainOf = (r: ProxyRules, ip: string) => jumpFrom(r, 'K3TS-SERVICES', ip);
    assert.equal(r2.nat.get(chainOf(r2, '10.96.0.10')), r1.nat.get(chainOf(r1, '10.96.0.10')), 'same array: unchanged');
    assert.deepEqual(dnatTargets(r2, chainOf(r2, '10.96.0.11')), ['10.244.1.2:8080', '10.244.1.3:8080']);
    assert.deepEqual(r2, build(svcs, [slices[0]!, endpointSlice('b', three.slice(0, 2))]));
    const other = buildProxyRules({ ...input, nodeName: 'node-b', services: [service('a', { clusterIP: '10.96.0.10', internalTrafficPolicy: 'Local' })] }, cache);
    assert.deepEqual(dnatTargets(other, chainOf(other, '10.96.0.10')), ['10.244.2.4:8080']);
  });

  it('refuses a masquerade mark that is not one bit', () => {
    assert.throws(() => buildProxyRules({ services: [], endpointSlices: [], nodeName: 'n', nodeIPs: [], clusterCidr: CIDR, options: { masqueradeMark: 3 } }), /single bit/);
  });
});
