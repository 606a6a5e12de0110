// NetworkPolicy through kubectl: apply (create, unchanged, configured), the table under its short
// name, describe, the three patch types k3ts serves (server-side apply is refused for every kind
// today), watch, validation errors and delete.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

const manifest = (ns: string, port: number) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: ${ns}
spec:
  podSelector:
    matchLabels:
      app: db
  ingress:
  - from:
    - podSelector:
        matchLabels:
          role: client
    - namespaceSelector:
        matchLabels:
          team: ops
      podSelector: {}
    - ipBlock:
        cidr: 10.0.0.0/8
        except: [10.1.0.0/16]
    ports:
    - port: ${port}
      protocol: TCP
`;

describeWithKubectls('kubectl and NetworkPolicy', { nsPrefix: 'netpol', timeout: 90_000 }, (t) => {
  const { kc, ns, index, k } = t;
  const jp = async (what: string[], path: string) => expectOk(await kc(['get', ...what, '-n', ns, '-o', `jsonpath=${path}`]));

  it('api-resources lists networkpolicies with short name netpol', async () => {
    expectMatch(expectOk(await kc(['api-resources', '--api-group=networking.k8s.io'])), /^networkpolicies\s+netpol\s+networking\.k8s\.io\/v1\s+true\s+NetworkPolicy\s*$/m);
  });

  // The manifest names the protocol: ingress rules are an atomic list, so a defaulted field inside one
  // would make every re-apply replace the list ("configured"), against kube-apiserver too.
  it('apply creates, leaves unchanged, then configures; defaults are filled in', async () => {
    const file = t.server.writeFile(`netpol-${index}.yaml`, manifest(ns, 5432));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'networkpolicy.networking.k8s.io/db created');
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'networkpolicy.networking.k8s.io/db unchanged');
    t.server.writeFile(`netpol-${index}.yaml`, manifest(ns, 6432));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'networkpolicy.networking.k8s.io/db configured');
    assert.equal(await jp(['netpol', 'db'], '{.spec.ingress[0].ports[0].port}/{.spec.ingress[0].ports[0].protocol} {.spec.policyTypes} {.metadata.generation}'), '6432/TCP ["Ingress"] 2');
  });

  it('get shows NAME POD-SELECTOR AGE, by full name and by netpol', async () => {
    expectOk(await kc(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: ns }, spec: { podSelector: {} } }) }));
    for (const name of ['networkpolicies', 'netpol', 'networkpolicy.networking.k8s.io']) {
      const out = expectOk(await kc(['get', name, '-n', ns]));
      expectMatch(out, /^NAME\s+POD-SELECTOR\s+AGE\s*$/m);
      expectMatch(out, /^db\s+app=db\s+\d+s\s*$/m);
      expectMatch(out, /^deny-all\s+<none>\s+\d+s\s*$/m);
    }
  });

  it('describe shows the rules', async () => {
    const out = expectOk(await kc(['describe', 'netpol', 'db', '-n', ns]));
    expectMatch(out, /^Name:\s+db$/m);
    expectMatch(out, /PodSelector:\s+app=db/);
    expectMatch(out, /To Port: 6432\/TCP/);
    expectMatch(out, /PodSelector: role=client/);
    expectMatch(out, /IPBlock:\s*\n\s+CIDR: 10\.0\.0\.0\/8\s*\n\s+Except: 10\.1\.0\.0\/16/);
    expectMatch(out, /Policy Types: Ingress/);
  });

  it('patch: strategic, merge and json', async () => {
    const smp = JSON.stringify({ spec: { policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ ipBlock: { cidr: '192.168.0.0/16' } }] }] } });
    assert.equal(expectOk(await kc(['patch', 'netpol', 'db', '-n', ns, '-p', smp])).trim(), 'networkpolicy.networking.k8s.io/db patched');
    assert.equal(await jp(['netpol', 'db'], '{.spec.policyTypes} {.spec.egress[0].to[0].ipBlock.cidr}'), '["Ingress","Egress"] 192.168.0.0/16');
    const merge = JSON.stringify({ metadata: { labels: { tier: 'data' } }, spec: { podSelector: { matchLabels: { app: 'db2' } } } });
    expectOk(await kc(['patch', 'netpol', 'db', '-n', ns, '--type=merge', '-p', merge]));
    assert.equal(await jp(['netpol', 'db'], '{.metadata.labels.tier} {.spec.podSelector.matchLabels.app}'), 'data db2');
    const json = JSON.stringify([{ op: 'replace', path: '/spec/ingress/0/ports/0/port', value: 'postgres' }]);
    expectOk(await kc(['patch', 'netpol', 'db', '-n', ns, '--type=json', '-p', json]));
    assert.equal(await jp(['netpol', 'db'], '{.spec.ingress[0].ports[0].port}'), 'postgres');
  });

  it('replace (update) and list across namespaces', async () => {
    const doc = JSON.parse(expectOk(await kc(['get', 'netpol', 'db', '-n', ns, '-o', 'json'])));
    doc.spec.ingress = [{ from: [{ ipBlock: { cidr: '172.16.0.0/12' } }] }];
    expectMatch(expectOk(await kc(['replace', '-f', '-'], { input: JSON.stringify(doc) })), /^networkpolicy\.networking\.k8s\.io\/db replaced$/m);
    assert.equal(await jp(['netpol', 'db'], '{.spec.ingress[0].from[0].ipBlock.cidr}'), '172.16.0.0/12');
    expectMatch(expectOk(await kc(['get', 'netpol', '-A'])), new RegExp(`^${ns}\\s+db\\s+app=db2\\s+\\d+s\\s*$`, 'm'));
  });

  it('validation errors print like upstream', async () => {
    const bad = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bad', namespace: ns },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] }, podSelector: {} }], ports: [{ port: 80, endPort: 70 }] }],
        policyTypes: ['Sideways'],
      },
    };
    const r = await kc(['create', '-f', '-'], { input: JSON.stringify(bad) });
    expectError(r, 'The NetworkPolicy "bad" is invalid:');
    for (const line of [
      '* spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
      '* spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      '* spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
      '* spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]) assert.ok(r.stderr.includes(line), `missing ${line} in:\n${r.stderr}`);
    expectError(await kc(['create', '-f', '-'], { input: JSON.stringify({ ...bad, spec: { podSelector: {}, unknownField: 1 } }) }), /unknown field "spec\.unknownField"/);
  });

  it('get -w sees a change, then delete removes it', { timeout: 45_000 }, async () => {
    const watch = t.server.background(['get', 'netpol', 'deny-all', '-n', ns, '-w', '--output-watch-events'], { bin: k.bin });
    try {
      await watch.waitFor(/ADDED\s+deny-all/, 15_000);
      expectOk(await kc(['label', 'netpol', 'deny-all', '-n', ns, 'x=y']));
      await watch.waitFor(/MODIFIED\s+deny-all/, 15_000);
      expectMatch(expectOk(await kc(['delete', 'netpol', 'deny-all', '-n', ns])), /^networkpolicy\.networking\.k8s\.io "deny-all" deleted/m);
      await watch.waitFor(/DELETED\s+deny-all/, 15_000);
    } finally {
      await watch.stop();
    }
    expectError(await kc(['get', 'netpol', 'deny-all', '-n', ns]), 'Error from server (NotFound): networkpolicies.networking.k8s.io "deny-all" not found');
  });
});
