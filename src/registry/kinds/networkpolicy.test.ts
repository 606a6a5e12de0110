// NetworkPolicy defaults and the field errors kubectl would print for policies users get wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../index.js';
import type { KObject } from '../types.js';

const d = findByKind('networking.k8s.io', 'v1', 'NetworkPolicy')!;

const policy = (spec: Record<string, unknown>, name = 'np'): KObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'default' }, spec,
});

function defaulted(obj: KObject): KObject {
  const copy = structuredClone(obj);
  d.defaults!(copy);
  return copy;
}

const errors = (obj: KObject) => d.validate!(defaulted(obj), {}).map((e) => `${e.field}: ${e.message}`);

test('policyTypes defaults to Ingress, plus Egress when there are egress rules; ports default to TCP', () => {
  assert.deepEqual(defaulted(policy({ podSelector: {} })).spec, { podSelector: {}, policyTypes: ['Ingress'] });
  const withEgress = defaulted(policy({ egress: [{ ports: [{ port: 53 }, { port: 53, protocol: 'UDP' }] }] }));
  assert.deepEqual(withEgress.spec, {
    podSelector: {},
    egress: [{ ports: [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }],
    policyTypes: ['Ingress', 'Egress'],
  });
  // An explicit list is kept as it is, even Egress alone with ingress rules present.
  assert.deepEqual(defaulted(policy({ podSelector: {}, ingress: [{}], policyTypes: ['Egress'] })).spec!, { podSelector: {}, ingress: [{}], policyTypes: ['Egress'] });
});

test('a valid policy with every kind of peer and port', () => {
  assert.deepEqual(errors(policy({
    podSelector: { matchLabels: { app: 'db' } },
    ingress: [{
      from: [
        { podSelector: { matchLabels: { role: 'client' } } },
        { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] }, podSelector: {} },
        { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
        { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } },
      ],
      ports: [{ port: 5432 }, { port: 'metrics', protocol: 'UDP' }, { port: 8000, endPort: 9000 }, { protocol: 'SCTP' }],
    }],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
  })), []);
});

test('ports: range, endPort, names and protocols', () => {
  assert.deepEqual(errors(policy({
    ingress: [{ ports: [
      { port: 0 },
      { port: 80, endPort: 70 },
      { port: 80, endPort: 70000 },
      { port: 'http', endPort: 90 },
      { endPort: 90 },
      { port: 'Not_A_Name' },
      { port: 80, protocol: 'ICMP' },
    ] }],
  })), [
    'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ingress[0].ports[1].endPort: Invalid value: 80: must be greater than or equal to `port`',
    'spec.ingress[0].ports[2].endPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.ingress[0].ports[3].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
    'spec.ingress[0].ports[4].endPort: Invalid value: 90: may not be specified when `port` is not specified',
    'spec.ingress[0].ports[5].port: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    'spec.ingress[0].ports[6].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
  ]);
});

test('peers: empty, ipBlock combined, bad selectors, cidr and except', () => {
  assert.deepEqual(errors(policy({
    egress: [{ to: [
      {},
      { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} },
      { podSelector: { matchExpressions: [{ key: 'a', operator: 'Within', values: ['x'] }] } },
      { ipBlock: { cidr: '' } },
      { ipBlock: { cidr: '10.0.0.0/33' } },
      { ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16', 'nope', '10.0.1.0/24'] } },
    ] }],
  })), [
    'spec.egress[0].to[0]: Required value: must specify a peer',
    'spec.egress[0].to[1]: Forbidden: may not specify both ipBlock and another peer',
    'spec.egress[0].to[2].podSelector.matchExpressions[0].operator: Invalid value: "Within": not a valid selector operator',
    'spec.egress[0].to[3].ipBlock.cidr: Required value',
    'spec.egress[0].to[4].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    'spec.egress[0].to[5].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
    'spec.egress[0].to[5].ipBlock.except[1]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`',
    'spec.egress[0].to[5].ipBlock.except[2]: Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]);
});

test('policyTypes: unknown values and too many', () => {
  assert.deepEqual(errors(policy({ policyTypes: ['Ingress', 'Sideways'] })), [
    'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
  ]);
  assert.deepEqual(errors(policy({ policyTypes: ['Ingress', 'Egress', 'Ingress'] })), [
    'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
  ]);
});

test('the table shows the pod selector, <none> for the empty one', () => {
  const now = new Date('2025-03-10T12:00:00Z');
  const meta = { name: 'np', namespace: 'default', creationTimestamp: '2025-03-10T11:00:00Z' };
  assert.deepEqual(d.table!.cells({ metadata: meta, spec: { podSelector: {} } }, now), ['np', '<none>', '60m']);
  const sel = { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x', 'y'] }] };
  assert.deepEqual(d.table!.cells({ metadata: meta, spec: { podSelector: sel } }, now), ['np', 'app=db,tier notin (x,y)', '60m']);
  assert.deepEqual(d.table!.columns.map((c) => c.name), ['Name', 'Pod-Selector', 'Age']);
});
