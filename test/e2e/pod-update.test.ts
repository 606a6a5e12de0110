// Changing only a Pod's metadata the ways kubectl does: replace --save-config (a PUT of the
// manifest, which has none of the tolerations the server added), apply, label, annotate. A change
// to the spec that a running pod may not take still gets upstream's message.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectOk } from './harness.js';

const pod = (ns: string, labels: Record<string, string>, command = ['sleep', '3600']) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: meta\n  namespace: ${ns}\n  labels: ${JSON.stringify(labels)}\n` +
  `spec:\n  containers:\n  - name: c\n    image: busybox\n    command: ${JSON.stringify(command)}\n`;

describeWithKubectls('kubectl changes a Pod\'s metadata', { nsPrefix: 'podmeta' }, (t) => {
  const { kc, ns, index } = t;
  const jp = async (path: string) => expectOk(await kc(['get', 'pod', 'meta', '-n', ns, '-o', `jsonpath=${path}`]));

  it('create, replace --save-config, apply, label and annotate all succeed', async () => {
    const file = t.server.writeFile(`pod-meta-${index}.yaml`, pod(ns, { v: '1' }));
    assert.equal(expectOk(await kc(['create', '-f', file])).trim(), 'pod/meta created');
    assert.match(await jp('{.spec.tolerations[*].key}'), /node.kubernetes.io\/not-ready/);

    t.server.writeFile(`pod-meta-${index}.yaml`, pod(ns, { v: '2' }));
    assert.equal(expectOk(await kc(['replace', '--save-config', '-f', file])).trim(), 'pod/meta replaced');
    assert.equal(await jp('{.metadata.labels.v}'), '2');
    assert.match(await jp('{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}'), /"v":"2"/);
    assert.match(await jp('{.spec.tolerations[*].key}'), /node.kubernetes.io\/not-ready node.kubernetes.io\/unreachable/);

    t.server.writeFile(`pod-meta-${index}.yaml`, pod(ns, { v: '3' }));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'pod/meta configured');
    assert.equal(await jp('{.metadata.labels.v}'), '3');

    assert.equal(expectOk(await kc(['label', 'pod', 'meta', '-n', ns, 'team=blue'])).trim(), 'pod/meta labeled');
    assert.equal(expectOk(await kc(['annotate', 'pod', 'meta', '-n', ns, 'note=hi'])).trim(), 'pod/meta annotated');
    assert.equal(await jp('{.metadata.labels.team}/{.metadata.annotations.note}'), 'blue/hi');
  });

  it('apply of a pod with tolerations of its own: kubectl sends the whole list, the defaults come back', async () => {
    const manifest = (v: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: tolerant\n  namespace: ${ns}\n  labels: {v: "${v}"}\n` +
      `spec:\n  tolerations: [{key: dedicated, operator: Exists}]\n  containers: [{name: c, image: busybox}]\n`;
    const file = t.server.writeFile(`pod-tolerant-${index}.yaml`, manifest('1'));
    expectOk(await kc(['create', '-f', file]));
    t.server.writeFile(`pod-tolerant-${index}.yaml`, manifest('2'));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'pod/tolerant configured');
    const tolerations = expectOk(await kc(['get', 'pod', 'tolerant', '-n', ns, '-o', 'jsonpath={.metadata.labels.v} {.spec.tolerations[*].key}']));
    assert.equal(tolerations, '2 dedicated node.kubernetes.io/not-ready node.kubernetes.io/unreachable');
  });

  it('a change to a container\'s command is still refused with upstream\'s message', async () => {
    const file = t.server.writeFile(`pod-meta-${index}.yaml`, pod(ns, { v: '3' }, ['sleep', '10']));
    expectError(await kc(['replace', '-f', file]), /The Pod "meta" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    expectError(await kc(['apply', '-f', file]), /spec: Forbidden: pod updates may not change fields other than/);
  });
});
