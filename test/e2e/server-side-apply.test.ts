// kubectl apply --server-side: create, change, drop a key, a conflict with another manager (and
// kubectl's hint), --force-conflicts, and the ownership record `--show-managed-fields` prints.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectOk } from './harness.js';

const cm = (ns: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: ${ns}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;

describeWithKubectls('kubectl apply --server-side', { nsPrefix: 'ssa' }, (t) => {
  const { kc, ns, index } = t;
  const data = async () => expectOk(await kc(['get', 'cm', 'ssa', '-n', ns, '-o', 'jsonpath={.data}']));

  it('creates, changes, removes a dropped key, and records its manager', async () => {
    const file = t.server.writeFile(`ssa-${index}.yaml`, cm(ns, { a: '1', b: '2' }));
    assert.equal(expectOk(await kc(['apply', '--server-side', '-f', file])).trim(), 'configmap/ssa serverside-applied');
    t.server.writeFile(`ssa-${index}.yaml`, cm(ns, { a: '3' }));
    assert.equal(expectOk(await kc(['apply', '--server-side', '-f', file])).trim(), 'configmap/ssa serverside-applied');
    assert.equal(await data(), '{"a":"3"}');
    const managed = expectOk(await kc(['get', 'cm', 'ssa', '-n', ns, '-o', 'jsonpath={.metadata.managedFields[*].manager}/{.metadata.managedFields[*].operation}', '--show-managed-fields']));
    assert.equal(managed, 'kubectl/Apply');
  });

  it('a field another manager owns is a conflict until --force-conflicts', async () => {
    const file = t.server.writeFile(`ssa-other-${index}.yaml`, cm(ns, { a: '9' }));
    const err = expectError(await kc(['apply', '--server-side', '--field-manager', 'other', '-f', file]), 'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a');
    assert.match(err, /--force-conflicts/);
    assert.equal(expectOk(await kc(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', file])).trim(), 'configmap/ssa serverside-applied');
    assert.equal(await data(), '{"a":"9"}');
  });
});
