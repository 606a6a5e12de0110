// PodTemplate and ControllerRevision: plain stored kinds, created, listed with their columns,
// applied (strategic merge patch through the template), and a revision's data never changes.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

const podTemplate = (ns: string, image: string) =>
  `apiVersion: v1\nkind: PodTemplate\nmetadata: {name: tpl, namespace: ${ns}}\ntemplate:\n  metadata: {labels: {app: web}}\n` +
  `  spec: {containers: [{name: c, image: ${image}}]}\n`;
const revision = (ns: string, data: string) =>
  `apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: rev-1, namespace: ${ns}}\nrevision: 1\ndata: ${data}\n`;

describeWithKubectls('PodTemplate and ControllerRevision', { nsPrefix: 'kinds' }, (t) => {
  const { kc, ns, index } = t;

  it('PodTemplate: apply, get with its columns, apply a new image', async () => {
    const file = t.server.writeFile(`tpl-${index}.yaml`, podTemplate(ns, 'nginx:1'));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'podtemplate/tpl created');
    expectMatch(expectOk(await kc(['get', 'podtemplates', '-n', ns])), /^NAME\s+CONTAINERS\s+IMAGES\s+POD LABELS\s+AGE\ntpl\s+c\s+nginx:1\s+app=web\s+\d+s$/m);
    t.server.writeFile(`tpl-${index}.yaml`, podTemplate(ns, 'nginx:2'));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'podtemplate/tpl configured');
    assert.equal(expectOk(await kc(['get', 'podtemplate', 'tpl', '-n', ns, '-o', 'jsonpath={.template.spec.containers[0].image}/{.template.spec.containers[0].imagePullPolicy}'])), 'nginx:2/IfNotPresent');
  });

  it('ControllerRevision: create, list, and its data is immutable', async () => {
    const file = t.server.writeFile(`rev-${index}.yaml`, revision(ns, '{spec: {a: 1}}'));
    expectOk(await kc(['create', '-f', file]));
    expectMatch(expectOk(await kc(['get', 'controllerrevisions', '-n', ns])), /^NAME\s+CONTROLLER\s+REVISION\s+AGE\nrev-1\s+<none>\s+1\s+\d+s$/m);
    t.server.writeFile(`rev-${index}.yaml`, revision(ns, '{spec: {a: 2}}'));
    expectError(await kc(['replace', '-f', file]), /data: Invalid value: "data": field is immutable/);
    const noData = t.server.writeFile(`rev-none-${index}.yaml`, `apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: rev-2, namespace: ${ns}}\nrevision: 2\n`);
    expectError(await kc(['create', '-f', noData]), /data: Required value: data is mandatory/);
  });
});
