// A pod's spec is immutable but its metadata is not: writes that only touch labels or annotations
// must pass even though the stored spec carries what admission added at create (the default
// not-ready/unreachable tolerations), while a real spec change is still refused as upstream does.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectOk } from './harness.js';

const podFile = (ns: string, labels: string, extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: ${ns}, labels: {${labels}}}\n` +
  `spec: {containers: [{name: web, image: nginx${extra}}]}\n`;

describeWithKubectls('pod metadata updates', { nsPrefix: 'podupd' }, (t) => {
  const { kc, ns, index } = t;
  const labels = async () => expectOk(await kc(['get', 'pod', 'web', '-n', ns, '-o', 'jsonpath={.metadata.labels}']));

  it('kubectl run, then apply with an added label, label, annotate and replace all succeed', async () => {
    expectOk(await kc(['run', 'web', '--image=nginx', '-n', ns]));
    const file = t.server.writeFile(`pod-${index}.yaml`, podFile(ns, 'run: web, tier: front'));
    expectOk(await kc(['apply', '-f', file]));
    assert.equal(await labels(), '{"run":"web","tier":"front"}');
    assert.equal(expectOk(await kc(['label', 'pod', 'web', 'team=a', '-n', ns])).trim(), 'pod/web labeled');
    assert.equal(expectOk(await kc(['annotate', 'pod', 'web', 'note=hi', '-n', ns])).trim(), 'pod/web annotated');
    // replace sends the pod as read back, relabelled and without the tolerations admission added;
    // they come back the same way. (A replace from the original manifest is refused, as upstream
    // refuses it: the ServiceAccount token volume added at create would be a spec change.)
    const live = JSON.parse(expectOk(await kc(['get', 'pod', 'web', '-n', ns, '-o', 'json'])));
    live.metadata.labels.tier = 'back';
    delete live.spec.tolerations;
    const replaced = t.server.writeFile(`pod-live-${index}.json`, JSON.stringify(live));
    assert.equal(expectOk(await kc(['replace', '-f', replaced])).trim(), 'pod/web replaced');
    assert.equal(await labels(), '{"run":"web","team":"a","tier":"back"}');
    const tolerations = expectOk(await kc(['get', 'pod', 'web', '-n', ns, '-o', 'jsonpath={.spec.tolerations[*].key}']));
    assert.equal(tolerations, 'node.kubernetes.io/not-ready node.kubernetes.io/unreachable');
  });

  it('a real spec change is still refused with upstream message', async () => {
    const file = t.server.writeFile(`pod-env-${index}.yaml`, podFile(ns, 'run: web', ', env: [{name: A, value: b}]'));
    expectError(await kc(['apply', '-f', file]), /The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
  });
});
