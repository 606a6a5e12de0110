// Changing objects the ways users do: apply (three-way), label, annotate, the three patch types,
// scale, edit through $KUBE_EDITOR, delete and wait --for=delete.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk, fixturesDir, repoRoot } from './harness.js';

const configMap = (ns: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${ns}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;

describeWithKubectls('kubectl changes objects', { nsPrefix: 'mod' }, (t) => {
  const { kc, ns, index, k } = t;
  const jp = async (what: string[], path: string) => expectOk(await kc(['get', ...what, '-n', ns, '-o', `jsonpath=${path}`]));

  before(async () => {
    // Only the deployment: the example's service claims NodePort 30080, which is cluster-wide.
    const deployment = readFileSync(join(repoRoot, 'examples', 'seed002-test.yaml'), 'utf8').split(/^---$/m)[0]!;
    expectOk(await kc(['apply', '-n', ns, '-f', '-'], { input: deployment }));
  });

  it('apply: created, then unchanged, then configured after a change', async () => {
    const file = t.server.writeFile(`applied-${index}.yaml`, configMap(ns, { color: 'blue' }));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'configmap/applied created');
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'configmap/applied unchanged');
    t.server.writeFile(`applied-${index}.yaml`, configMap(ns, { color: 'green', size: 'L' }));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'configmap/applied configured');
    assert.equal(await jp(['cm', 'applied'], '{.data.color}/{.data.size}'), 'green/L');
    const lastApplied = JSON.parse(await jp(['cm', 'applied'], '{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}'));
    assert.deepEqual(lastApplied.data, { color: 'green', size: 'L' });
    // A key dropped from the manifest is removed from the live object (three-way merge).
    t.server.writeFile(`applied-${index}.yaml`, configMap(ns, { color: 'green' }));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'configmap/applied configured');
    assert.equal(await jp(['cm', 'applied'], '{.data}'), '{"color":"green"}');
  });

  it('label and annotate, then remove them', async () => {
    assert.equal(expectOk(await kc(['label', 'cm', 'applied', '-n', ns, 'team=blue', 'tier=web'])).trim(), 'configmap/applied labeled');
    assert.equal(expectOk(await kc(['get', 'cm', '-n', ns, '-l', 'team=blue', '-o', 'name'])).trim(), 'configmap/applied');
    assert.equal(expectOk(await kc(['annotate', 'cm', 'applied', '-n', ns, 'owner=ann@example.com'])).trim(), 'configmap/applied annotated');
    assert.equal(await jp(['cm', 'applied'], '{.metadata.annotations.owner}'), 'ann@example.com');
    expectError(await kc(['label', 'cm', 'applied', '-n', ns, 'team=red']), `'team' already has a value (blue), and --overwrite is false`);
    assert.equal(expectOk(await kc(['label', 'cm', 'applied', '-n', ns, 'team=red', '--overwrite'])).trim(), 'configmap/applied labeled');
    assert.equal(expectOk(await kc(['label', 'cm', 'applied', '-n', ns, 'tier-'])).trim(), 'configmap/applied unlabeled');
    assert.equal(await jp(['cm', 'applied'], '{.metadata.labels}'), '{"team":"red"}');
  });

  it('patch --type strategic merges containers by name', async () => {
    const patch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'fastapi', image: 'nacho2407/test:v2' }] } } } });
    assert.equal(expectOk(await kc(['patch', 'deploy', 'test', '-n', ns, '--type=strategic', '-p', patch])).trim(), 'deployment.apps/test patched');
    // Strategic merge keeps the container's other fields; a plain merge patch would have dropped env and ports.
    assert.equal(
      await jp(['deploy', 'test'], '{.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].name} {.spec.template.spec.containers[0].ports[0].containerPort}'),
      'fastapi nacho2407/test:v2 NODE_NAME 80',
    );
  });

  it('patch --type merge and --type json', async () => {
    const merge = await kc(['patch', 'cm', 'applied', '-n', ns, '--type=merge', '-p', '{"data":{"color":null,"shape":"round"}}']);
    assert.equal(expectOk(merge).trim(), 'configmap/applied patched');
    assert.equal(await jp(['cm', 'applied'], '{.data}'), '{"shape":"round"}');
    const json = await kc(['patch', 'cm', 'applied', '-n', ns, '--type=json', '-p', '[{"op":"add","path":"/data/edge","value":"sharp"},{"op":"replace","path":"/data/shape","value":"square"}]']);
    assert.equal(expectOk(json).trim(), 'configmap/applied patched');
    assert.equal(await jp(['cm', 'applied'], '{.data.edge}/{.data.shape}'), 'sharp/square');
    expectError(
      await kc(['patch', 'cm', 'applied', '-n', ns, '--type=json', '-p', '[{"op":"test","path":"/data/edge","value":"blunt"}]']),
      /Error from server|is invalid/,
    );
    assert.equal(await jp(['cm', 'applied'], '{.data.edge}'), 'sharp');
  });

  it('scale deploy/test --replicas=4', async () => {
    assert.equal(expectOk(await kc(['scale', 'deploy/test', '-n', ns, '--replicas=4'])).trim(), 'deployment.apps/test scaled');
    assert.equal(await jp(['deploy', 'test'], '{.spec.replicas}'), '4');
    const table = expectOk(await kc(['get', 'deploy', 'test', '-n', ns]));
    expectMatch(table, /^test\s+\d\/4\s+/m);
  });

  it('edit through $KUBE_EDITOR', async () => {
    const editor = join(fixturesDir, 'editor.sh');
    const r = await kc(['edit', 'cm', 'applied', '-n', ns], { env: { KUBE_EDITOR: editor, EDIT_SED: 's/^\\(  *\\)edge: sharp$/\\1edge: rounded/' } });
    assert.equal(expectOk(r).trim(), 'configmap/applied edited');
    assert.equal(await jp(['cm', 'applied'], '{.data.edge}'), 'rounded');
    const same = await kc(['edit', 'cm', 'applied', '-n', ns], { env: { KUBE_EDITOR: editor, EDIT_SED: 's/no-such-text//' } });
    expectOk(same);
    assert.match(same.stderr + same.stdout, /Edit cancelled, no changes made\./);
  });

  it('delete waits until the object is gone', async () => {
    expectOk(await kc(['create', 'configmap', 'doomed', '-n', ns]));
    const r = await kc(['delete', 'configmap', 'doomed', '-n', ns]);
    expectMatch(expectOk(r), /^configmap "doomed" deleted/m);
    expectError(await kc(['get', 'configmap', 'doomed', '-n', ns]), `Error from server (NotFound): configmaps "doomed" not found`);
    const deploy = await kc(['delete', 'deploy', 'test', '-n', ns]);
    expectMatch(expectOk(deploy), /^deployment\.apps "test" deleted/m);
    expectError(await kc(['get', 'deploy', 'test', '-n', ns]), `Error from server (NotFound): deployments.apps "test" not found`);
  });

  it('delete of an object with a finalizer waits until the finalizer is removed', { timeout: 45_000 }, async () => {
    const held = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: ns, finalizers: ['example.com/hold'] } };
    expectOk(await kc(['create', '-f', '-'], { input: JSON.stringify(held) }));
    const deleting = t.server.background(['delete', 'configmap', 'held', '-n', ns, '--timeout=30s'], { bin: k.bin });
    try {
      await deleting.waitFor(/^configmap "held" deleted/m, 15_000);
      // kubectl printed "deleted" and now waits; the object is only marked for deletion.
      const ts = await jp(['configmap', 'held'], '{.metadata.deletionTimestamp}');
      expectMatch(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'deletionTimestamp');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await Promise.race([deleting.done.then(() => 'exited'), Promise.resolve('waiting')]), 'waiting', 'kubectl delete returned while the finalizer was still there');
      expectOk(await kc(['patch', 'configmap', 'held', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']));
      const r = await Promise.race([deleting.done, new Promise<null>((res) => setTimeout(() => res(null), 15_000))]);
      assert.ok(r, 'kubectl delete did not return within 15 s after the finalizer was removed');
      expectOk(r);
    } finally {
      await deleting.stop();
    }
    expectError(await kc(['get', 'configmap', 'held', '-n', ns]), `Error from server (NotFound): configmaps "held" not found`);
  });

  it('wait --for=delete returns once a background delete happens', { timeout: 45_000 }, async () => {
    expectOk(await kc(['create', 'configmap', 'waited', '-n', ns]));
    const started = Date.now();
    const waiting = kc(['wait', '--for=delete', 'configmap/waited', '-n', ns, '--timeout=30s'], { timeoutMs: 40_000 });
    const deleted = new Promise<void>((res, rej) => {
      setTimeout(() => {
        kc(['delete', 'configmap', 'waited', '-n', ns, '--wait=false']).then((r) => {
          try {
            expectOk(r);
            res();
          } catch (e) {
            rej(e);
          }
        }, rej);
      }, 2500);
    });
    const [r] = await Promise.all([waiting, deleted]);
    expectMatch(expectOk(r), /^configmap\/waited condition met$/m);
    assert.ok(Date.now() - started >= 2500, 'wait returned before the configmap was deleted');
  });
});
