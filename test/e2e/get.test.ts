// `kubectl get` as a user reads it: tables, the -o formats, sorting, selectors across namespaces,
// and `get -w` following changes.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { parse } from 'yaml';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

describeWithKubectls('kubectl get', { nsPrefix: 'get' }, (t) => {
  const { kc, ns, k } = t;

  before(async () => {
    // Created out of name order so --sort-by has something to do.
    const manifests = [
      { name: 'charlie', labels: { tier: 'back', app: 'shop' }, data: { k: 'c', x: '1', y: '2' } },
      { name: 'alpha', labels: { tier: 'front', app: 'shop' }, data: { k: 'a' } },
      { name: 'bravo', labels: { tier: 'front', app: 'blog' }, data: { k: 'b', x: '1' } },
    ];
    for (const m of manifests) {
      const doc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: m.name, namespace: ns, labels: m.labels }, data: m.data };
      expectOk(await kc(['create', '-f', '-'], { input: JSON.stringify(doc) }));
    }
  });

  it('prints the configmap table', async () => {
    const out = expectOk(await kc(['get', 'configmaps', '-n', ns]));
    expectMatch(out, /^NAME\s+DATA\s+AGE\s*$/m);
    expectMatch(out, /^alpha\s+1\s+\d+s\s*$/m);
    expectMatch(out, /^bravo\s+2\s+\d+s\s*$/m);
    expectMatch(out, /^charlie\s+3\s+\d+s\s*$/m);
  });

  it('prints one object by name, and --show-labels', async () => {
    const out = expectOk(await kc(['get', 'cm', 'bravo', '-n', ns, '--show-labels']));
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 2, out);
    expectMatch(lines[0]!, /^NAME\s+DATA\s+AGE\s+LABELS$/);
    expectMatch(lines[1]!, /^bravo\s+2\s+\d+s\s+app=blog,tier=front$/);
  });

  it('-o yaml', async () => {
    const out = expectOk(await kc(['get', 'cm', 'alpha', '-n', ns, '-o', 'yaml']));
    const doc = parse(out);
    assert.equal(doc.apiVersion, 'v1');
    assert.equal(doc.kind, 'ConfigMap');
    assert.equal(doc.metadata.name, 'alpha');
    assert.equal(doc.metadata.namespace, ns);
    assert.deepEqual(doc.data, { k: 'a' });
    assert.match(doc.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(doc.metadata.resourceVersion, /^\d+$/);
    assert.match(doc.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('-o json of a list', async () => {
    const out = expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app=shop', '-o', 'json']));
    const list = JSON.parse(out);
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort(), ['alpha', 'charlie']);
    for (const item of list.items) {
      assert.equal(item.kind, 'ConfigMap');
      assert.equal(item.apiVersion, 'v1');
    }
  });

  it('-o jsonpath', async () => {
    const out = expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.data.k};{end}']));
    assert.equal(out, 'alpha=a;bravo=b;charlie=c;');
  });

  it('-o custom-columns', async () => {
    const out = expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app', '-o', 'custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,K:.data.k']));
    const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows, [['NAME', 'TIER', 'K'], ['alpha', 'front', 'a'], ['bravo', 'front', 'b'], ['charlie', 'back', 'c']]);
  });

  it('-o name', async () => {
    const out = expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app', '-o', 'name']));
    assert.equal(out, 'configmap/alpha\nconfigmap/bravo\nconfigmap/charlie\n');
  });

  it('--sort-by', async () => {
    const byDesc = expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app', '--sort-by=.metadata.creationTimestamp', '-o', 'name']));
    // Timestamps have one-second resolution: only check that sorting works on a field with distinct values.
    assert.equal(byDesc.trim().split('\n').length, 3);
    const table = expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app', '--sort-by={.data.k}']));
    const names = table.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(names, ['alpha', 'bravo', 'charlie'], table);
    const byTier = expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app', '--sort-by=.metadata.labels.tier', '-o', 'name']));
    assert.equal(byTier.trim().split('\n')[0], 'configmap/charlie', byTier);
  });

  it('-A adds the NAMESPACE column and spans namespaces', async () => {
    const out = expectOk(await kc(['get', 'cm', '-A', '-l', 'app=shop']));
    expectMatch(out, /^NAMESPACE\s+NAME\s+DATA\s+AGE\s*$/m);
    expectMatch(out, new RegExp(`^${ns}\\s+alpha\\s+1\\s+\\d+s\\s*$`, 'm'));
    expectMatch(out, new RegExp(`^${ns}\\s+charlie\\s+3\\s+\\d+s\\s*$`, 'm'));
    const namespaces = expectOk(await kc(['get', 'ns', '-A', '-o', 'name']));
    expectMatch(namespaces, /^namespace\/kube-system$/m);
  });

  it('-l with =, !=, in, exists and no match', async () => {
    const names = async (selector: string) =>
      expectOk(await kc(['get', 'cm', '-n', ns, '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}']));
    assert.equal(await names('tier=front'), 'alpha bravo');
    assert.equal(await names('tier!=front,app'), 'charlie');
    assert.equal(await names('app in (blog),tier=front'), 'bravo');
    assert.equal(await names('app,tier notin (front)'), 'charlie');
    assert.equal(await names('nolabel'), '');
    const none = await kc(['get', 'cm', '-n', ns, '-l', 'app=none']);
    expectOk(none);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, new RegExp(`No resources found in ${ns} namespace\\.`));
  });

  it('--field-selector with = and !=', async () => {
    const names = async (selector: string) =>
      expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'app', '--field-selector', selector, '-o', 'jsonpath={.items[*].metadata.name}']));
    assert.equal(await names('metadata.name=bravo'), 'bravo');
    assert.equal(await names('metadata.name==bravo'), 'bravo');
    assert.equal(await names('metadata.name!=bravo'), 'alpha charlie');
    assert.equal(await names(`metadata.namespace=${ns},metadata.name!=alpha`), 'bravo charlie');
    const inNs = expectOk(await kc(['get', 'cm', '-A', '-l', 'app', '--field-selector', `metadata.namespace=${ns}`, '-o', 'jsonpath={.items[*].metadata.name}']));
    assert.equal(inNs, 'alpha bravo charlie');
    // Across all namespaces: none of ours may show up.
    const elsewhere = expectOk(await kc(['get', 'cm', '-A', '--field-selector', `metadata.namespace!=${ns}`, '-o', 'jsonpath={.items[*].metadata.namespace}']));
    assert.ok(!elsewhere.split(' ').includes(ns), elsewhere);
    // Cluster-scoped objects too.
    const namespaces = expectOk(await kc(['get', 'ns', '--field-selector', 'metadata.name!=default', '-o', 'name'])).split('\n');
    assert.ok(namespaces.includes('namespace/kube-system') && !namespaces.includes('namespace/default'), namespaces.join('\n'));
  });

  it('-w --output-watch-events sees ADDED, MODIFIED and DELETED', { timeout: 45_000 }, async () => {
    const wns = `${ns}-watch`;
    expectOk(await kc(['create', 'namespace', wns]));
    expectOk(await kc(['create', 'configmap', 'sentinel', '-n', wns]));
    const watch = t.server.background(['get', 'cm', '-n', wns, '-w', '--output-watch-events'], { bin: k.bin });
    try {
      // Once the sentinel shows up kubectl has listed; everything after comes through the watch.
      await watch.waitFor(/^ADDED\s+sentinel\s/m, 20_000);
      expectOk(await kc(['create', 'configmap', 'w1', '-n', wns, '--from-literal=a=1']));
      expectOk(await kc(['label', 'configmap', 'w1', '-n', wns, 'seen=yes']));
      expectOk(await kc(['delete', 'configmap', 'w1', '-n', wns]));
      await watch.waitFor(/^DELETED\s+w1\s/m, 15_000);
    } finally {
      await watch.stop();
    }
    const { stdout } = watch.output();
    expectMatch(stdout, /^EVENT\s+NAME\s+DATA\s+AGE\s*$/m, 'watch header');
    const events = stdout.split('\n').filter((l) => /\sw1\s/.test(l)).map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(events, ['ADDED', 'MODIFIED', 'DELETED'], stdout);
    expectMatch(stdout, /^ADDED\s+w1\s+1\s+\d+s\s*$/m);
  });

  it('a name that does not exist is NotFound', async () => {
    expectError(await kc(['get', 'cm', 'nope', '-n', ns]), `Error from server (NotFound): configmaps "nope" not found`);
  });
});
