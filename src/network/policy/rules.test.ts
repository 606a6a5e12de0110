// One test per NetworkPolicy semantic: which pods get chains, and what each chain lets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1.js';
import { buildPolicyRules, DISPATCH_CHAIN, podChainName, type PolicyInputs } from './rules.js';
import { ipBlockRanges } from './ip-block.js';
import { renderRestore, ownChainsIn, renderRemoval } from './restore.js';

const NODE = 'node-a';

function pod(name: string, ip: string, labels: Record<string, string>, o: { ns?: string; node?: string; ports?: Array<{ name: string; containerPort: number; protocol?: string }> } = {}): Pod {
  return {
    metadata: { name, namespace: o.ns ?? 'default', labels },
    spec: { nodeName: o.node ?? NODE, containers: [{ name: 'c', image: 'x', ports: o.ports ?? [] }] },
    status: { phase: 'Running', podIP: ip },
  };
}

const ns = (name: string, labels: Record<string, string> = {}): Namespace => ({ metadata: { name, labels } });
const policy = (name: string, spec: NetworkPolicySpec, namespace = 'default'): NetworkPolicy => ({ metadata: { name, namespace }, spec });

const server = pod('server', '10.42.7.10', { app: 'server' }, { ports: [{ name: 'http', containerPort: 8080 }] });
const client = pod('client', '10.42.7.11', { role: 'client' });
const other = pod('other', '10.42.7.12', { role: 'other' });
const remote = pod('remote', '10.42.9.5', { role: 'client' }, { node: 'node-b', ports: [{ name: 'http', containerPort: 9090 }] });
const opsPod = pod('tool', '10.42.9.6', { role: 'client' }, { ns: 'ops', node: 'node-b' });

function build(policies: NetworkPolicy[], extra: Partial<PolicyInputs> = {}) {
  return buildPolicyRules({ nodeName: NODE, pods: [server, client, other, remote, opsPod], namespaces: [ns('default'), ns('ops', { team: 'ops' })], policies, ...extra });
}

/** The rules of one pod's chain, or undefined when the pod has none in that direction. */
function chain(rules: ReturnType<typeof build>, p: Pod, direction: 'Ingress' | 'Egress'): string[] | undefined {
  return rules.chains.find((c) => c.name === podChainName(p, direction))?.rules;
}

test('no policy: no pod chains and an empty dispatch chain', () => {
  assert.deepEqual(build([]).chains, [{ name: DISPATCH_CHAIN, rules: [] }]);
});

test('deny-all ingress: only the selected pod is isolated, for ingress only, after established traffic', () => {
  const rules = build([policy('deny', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] })]);
  assert.deepEqual(chain(rules, server, 'Ingress'), ['-j DROP']);
  assert.equal(chain(rules, server, 'Egress'), undefined);
  assert.equal(chain(rules, client, 'Ingress'), undefined);
  assert.deepEqual(rules.chains[0]!.rules, [
    '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    `-d 10.42.7.10/32 -m comment --comment "default/server ingress" -j ${podChainName(server, 'Ingress')}`,
  ]);
});

test('an empty podSelector selects every pod of the namespace on this node, none elsewhere', () => {
  const rules = build([policy('deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
  for (const p of [server, client, other]) assert.deepEqual(chain(rules, p, 'Ingress'), ['-j DROP']);
  assert.equal(chain(rules, remote, 'Ingress'), undefined, 'a pod on another node is that node\'s business');
  assert.equal(chain(rules, opsPod, 'Ingress'), undefined);
});

test('podSelector peers: pods of the policy\'s namespace on any node', () => {
  const rules = build([policy('allow', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] })]);
  assert.deepEqual(chain(rules, server, 'Ingress'), ['-s 10.42.7.11/32 -j RETURN', '-s 10.42.9.5/32 -j RETURN', '-j DROP']);
});

test('namespaceSelector alone, and combined with a podSelector', () => {
  const alone = build([policy('ns', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }] }] })]);
  assert.deepEqual(chain(alone, server, 'Ingress'), ['-s 10.42.9.6/32 -j RETURN', '-j DROP']);
  const both = build([policy('both', {
    podSelector: { matchLabels: { app: 'server' } },
    ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }] }],
  })]);
  assert.deepEqual(chain(both, server, 'Ingress'), ['-s 10.42.7.11/32 -j RETURN', '-s 10.42.9.5/32 -j RETURN', '-s 10.42.9.6/32 -j RETURN', '-j DROP']);
  const byName = build([policy('name', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }] }] })]);
  assert.deepEqual(chain(byName, server, 'Ingress'), ['-s 10.42.9.6/32 -j RETURN', '-j DROP']);
});

test('ipBlock with except: the block minus its holes', () => {
  assert.deepEqual(ipBlockRanges('10.0.0.0/8', ['10.0.0.0/9']), ['10.128.0.0/9']);
  assert.deepEqual(ipBlockRanges('192.168.0.0/24', ['192.168.0.64/26', '192.168.0.128/25']), ['192.168.0.0/26']);
  assert.deepEqual(ipBlockRanges('10.0.0.0/30', ['10.0.0.1/32']), ['10.0.0.0/32', '10.0.0.2/31']);
  assert.deepEqual(ipBlockRanges('2001:db8::/32'), [], 'IPv6 is not filtered by this node');
  const rules = build([policy('cidr', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.42.7.0/30', except: ['10.42.7.0/31'] } }] }] })]);
  assert.deepEqual(chain(rules, server, 'Ingress'), ['-s 10.42.7.2/31 -j RETURN', '-j DROP']);
});

test('ports: numbers, protocols, endPort ranges and peers combined with them', () => {
  const rules = build([policy('ports', {
    podSelector: { matchLabels: { app: 'server' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'other' } } }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }, { port: 8000, endPort: 8100 }, { protocol: 'SCTP' }] }],
  })]);
  assert.deepEqual(chain(rules, server, 'Ingress'), [
    '-s 10.42.7.12/32 -p tcp -m tcp --dport 80 -j RETURN',
    '-s 10.42.7.12/32 -p udp -m udp --dport 53 -j RETURN',
    '-s 10.42.7.12/32 -p tcp -m tcp --dport 8000:8100 -j RETURN',
    '-s 10.42.7.12/32 -p sctp -j RETURN',
    '-j DROP',
  ]);
});

test('named ports: the protected pod\'s own for ingress, each destination\'s for egress', () => {
  const ingress = build([policy('named', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ ports: [{ port: 'http' }, { port: 'nope' }] }] })]);
  assert.deepEqual(chain(ingress, server, 'Ingress'), ['-p tcp -m tcp --dport 8080 -j RETURN', '-j DROP']);
  const egress = build([policy('named-out', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] })]);
  assert.deepEqual(chain(egress, client, 'Egress'), ['-d 10.42.7.10/32 -p tcp -m tcp --dport 8080 -j RETURN', '-d 10.42.9.5/32 -p tcp -m tcp --dport 9090 -j RETURN', '-j DROP']);
});

test('egress: rules with and without peers; an empty rule allows everything', () => {
  const rules = build([
    policy('out', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'server' } } }], ports: [{ port: 8080 }] }] }),
  ]);
  assert.deepEqual(chain(rules, client, 'Egress'), ['-d 10.42.7.10/32 -p tcp -m tcp --dport 8080 -j RETURN', '-j DROP']);
  assert.equal(chain(rules, client, 'Ingress'), undefined, 'an Egress-only policy leaves ingress open');
  assert.ok(rules.chains[0]!.rules.includes(`-s 10.42.7.11/32 -m comment --comment "default/client egress" -j ${podChainName(client, 'Egress')}`));
  const open = build([policy('open', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{}] })]);
  assert.deepEqual(chain(open, client, 'Egress'), ['-j RETURN', '-j DROP']);
});

test('policyTypes: an unset list means Ingress, plus Egress when egress rules exist', () => {
  const implicit = build([policy('implicit', { podSelector: { matchLabels: { role: 'client' } }, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] })]);
  assert.deepEqual(chain(implicit, client, 'Ingress'), ['-j DROP']);
  assert.deepEqual(chain(implicit, client, 'Egress'), ['-p udp -m udp --dport 53 -j RETURN', '-j DROP']);
  const ingressOnly = build([policy('ingress-only', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Ingress'], egress: [{}] })]);
  assert.equal(chain(ingressOnly, client, 'Egress'), undefined, 'egress rules of an Ingress-only policy are ignored');
});

test('several policies selecting one pod add up', () => {
  const rules = build([
    policy('a', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] }),
    policy('b', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'other' } } }] }] }),
    policy('deny', { podSelector: {}, policyTypes: ['Ingress'] }),
  ]);
  assert.deepEqual(chain(rules, server, 'Ingress'), ['-s 10.42.7.11/32 -j RETURN', '-s 10.42.9.5/32 -j RETURN', '-s 10.42.7.12/32 -j RETURN', '-j DROP']);
});

test('pods without an address, finished, on the host network or outside the podCIDR get no chains', () => {
  const pending = { ...pod('pending', '', { app: 'server' }), status: { phase: 'Pending' } };
  const done = { ...pod('done', '10.42.7.20', { app: 'server' }), status: { phase: 'Succeeded', podIP: '10.42.7.20' } };
  const host = pod('host', '192.168.1.5', { app: 'server' });
  host.spec!.hostNetwork = true;
  const stray = pod('stray', '10.99.0.1', { app: 'server' });
  const rules = buildPolicyRules({ nodeName: NODE, pods: [pending, done, host, stray, server], namespaces: [], podCidr: '10.42.7.0/24', policies: [policy('deny', { podSelector: {}, policyTypes: ['Ingress'] })] });
  assert.deepEqual(rules.chains.map((c) => c.name), [DISPATCH_CHAIN, podChainName(server, 'Ingress')]);
});

test('restore text: declarations, rules, stale chains deleted; removal and parsing', () => {
  const rules = build([policy('deny', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] })]);
  const chainName = podChainName(server, 'Ingress');
  assert.match(chainName, /^K3TS-NP-I-[0-9A-F]{16}$/);
  assert.ok(chainName.length <= 28);
  const text = renderRestore(rules, [DISPATCH_CHAIN, 'K3TS-NP-I-OLD', 'KUBE-SERVICES']);
  assert.equal(text, [
    '*filter',
    `:${DISPATCH_CHAIN} - [0:0]`,
    `:${chainName} - [0:0]`,
    ':K3TS-NP-I-OLD - [0:0]',
    `-A ${DISPATCH_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`,
    `-A ${DISPATCH_CHAIN} -d 10.42.7.10/32 -m comment --comment "default/server ingress" -j ${chainName}`,
    `-A ${chainName} -j DROP`,
    '-X K3TS-NP-I-OLD',
    'COMMIT',
    '',
  ].join('\n'));
  assert.deepEqual(ownChainsIn(`*filter\n:INPUT ACCEPT [0:0]\n:K3TS-NP-FORWARD - [0:0]\n:KUBE-X - [0:0]\n-A FORWARD -j K3TS-NP-FORWARD\nCOMMIT\n`), ['K3TS-NP-FORWARD']);
  assert.equal(renderRemoval(['KUBE-X']), '');
  assert.equal(renderRemoval(['K3TS-NP-FORWARD']), '*filter\n:K3TS-NP-FORWARD - [0:0]\n-X K3TS-NP-FORWARD\nCOMMIT\n');
});
