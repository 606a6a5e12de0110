// Field validation and namespace deletion as a kubectl user meets them: typos in a manifest are
// refused (or warned about and dropped), and deleting a namespace takes its contents with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

const typoConfigMap = (name: string, ns: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${ns}
  lables:
    app: shop
data:
  color: blue
dat:
  size: large
`;

describeWithKubectls('field validation and namespace deletion', { nsPrefix: 'life' }, (t) => {
  const { kc, ns, index } = t;

  it('apply refuses unknown fields, naming each one', async () => {
    const file = t.server.writeFile(`typo-${index}.yaml`, typoConfigMap('typo', ns));
    expectError(
      await kc(['apply', '-f', file]),
      `ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dat", unknown field "metadata.lables"`,
    );
    expectError(await kc(['get', 'cm', 'typo', '-n', ns]), 'Error from server (NotFound): configmaps "typo" not found');
  });

  it('--validate=warn stores the object without the unknown fields and prints warnings', async () => {
    const file = t.server.writeFile(`typo-warn-${index}.yaml`, typoConfigMap('typo-warn', ns));
    const r = await kc(['apply', '-f', file, '--validate=warn']);
    expectMatch(expectOk(r), /^configmap\/typo-warn created$/m);
    expectMatch(r.stderr, /^Warning: unknown field "dat"$/m, 'stderr');
    const stored = JSON.parse(expectOk(await kc(['get', 'cm', 'typo-warn', '-n', ns, '-o', 'json'])));
    assert.deepEqual(stored.data, { color: 'blue' });
    assert.equal(stored.dat, undefined);
    assert.equal(stored.metadata.lables, undefined);
  });

  it('deleting a namespace removes what it holds, then the namespace', async () => {
    const gone = `${ns}-gone`;
    expectOk(await kc(['create', 'namespace', gone]));
    expectOk(await kc(['create', 'configmap', 'a', '--from-literal=k=v', '-n', gone]));
    expectOk(await kc(['create', 'deployment', 'web', '--image=nginx', '-n', gone]));
    expectMatch(expectOk(await kc(['delete', 'namespace', gone, '--timeout=30s'])), new RegExp(`^namespace "${gone}" deleted$`, 'm'));
    expectError(await kc(['get', 'namespace', gone]), `Error from server (NotFound): namespaces "${gone}" not found`);
    const left = expectOk(await kc(['get', 'cm,deploy', '-A', '-o', 'name', '--field-selector', `metadata.namespace=${gone}`]));
    assert.equal(left.trim(), '');
  });

  it('--dry-run=server validates and answers, but stores nothing', async () => {
    expectMatch(expectOk(await kc(['create', 'configmap', 'dry', '--from-literal=a=b', '-n', ns, '--dry-run=server'])), /^configmap\/dry created \(server dry run\)$/m);
    expectError(await kc(['get', 'configmap', 'dry', '-n', ns]), 'Error from server (NotFound): configmaps "dry" not found');
    expectOk(await kc(['create', 'configmap', 'wet', '--from-literal=a=b', '-n', ns]));
    expectOk(await kc(['patch', 'configmap', 'wet', '-n', ns, '--type=merge', '-p', '{"data":{"a":"changed"}}', '--dry-run=server']));
    assert.equal(expectOk(await kc(['get', 'configmap', 'wet', '-n', ns, '-o', 'jsonpath={.data.a}'])), 'b');
    expectError(await kc(['create', 'deployment', 'bad', '--image=nginx', '--replicas=-1', '-n', ns, '--dry-run=server']), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  it('every namespace gets the cluster CA as kube-root-ca.crt', async () => {
    const ca = expectOk(await kc(['get', 'configmap', 'kube-root-ca.crt', '-n', ns, '-o', 'jsonpath={.data.ca\\.crt}']));
    assert.match(ca, /^-----BEGIN CERTIFICATE-----\n/);
    const kubeconfigCa = Buffer.from(/certificate-authority-data: (\S+)/.exec(readFileSync(t.server.kubeconfig, 'utf8'))![1], 'base64').toString();
    assert.equal(ca.trim(), kubeconfigCa.trim());
  });

  it('the built-in namespaces cannot be deleted', async () => {
    expectError(await kc(['delete', 'namespace', 'kube-system']), 'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted');
  });
});
