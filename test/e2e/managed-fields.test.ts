// Every write records who made it: real kubectl commands leave their field manager in
// metadata.managedFields (operation Update, the fields they set), later writers take over the
// fields they change, and subresource writes say which subresource.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { describeWithKubectls, expectOk, fixturesDir } from './harness.js';

interface Entry { manager: string; operation: string; subresource?: string; fieldsV1: Record<string, any> }

describeWithKubectls('managedFields on ordinary writes', { nsPrefix: 'mf' }, (t) => {
  const { kc, ns, index } = t;
  const entries = async (...what: string[]): Promise<Entry[]> =>
    (JSON.parse(expectOk(await kc(['get', ...what, '-n', ns, '-o', 'json', '--show-managed-fields']))).metadata.managedFields ?? []) as Entry[];
  const byManager = (list: Entry[], manager: string) => list.find((e) => e.manager === manager);

  it('create, label, annotate, scale, set image and edit each record their manager', async () => {
    expectOk(await kc(['create', 'deployment', 'web', '--image=nginx', '-n', ns]));
    let list = await entries('deploy', 'web');
    assert.deepEqual(list.map((e) => `${e.manager}/${e.operation}`), ['kubectl-create/Update']);
    assert.deepEqual(list[0]!.fieldsV1['f:spec']['f:replicas'], {});
    assert.ok(list[0]!.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:image']);

    expectOk(await kc(['label', 'deploy', 'web', 'tier=front', '-n', ns]));
    expectOk(await kc(['annotate', 'deploy', 'web', 'note=hi', '-n', ns]));
    expectOk(await kc(['scale', 'deploy', 'web', '--replicas=3', '-n', ns]));
    expectOk(await kc(['set', 'image', 'deploy/web', 'nginx=nginx:2', '-n', ns]));
    const editor = join(fixturesDir, 'editor.sh');
    expectOk(await kc(['edit', 'deploy', 'web', '-n', ns], { env: { KUBE_EDITOR: editor, EDIT_SED: 's/^\\(  *\\)progressDeadlineSeconds: 600$/\\1progressDeadlineSeconds: 900/' } }));
    list = await entries('deploy', 'web');
    assert.deepEqual(byManager(list, 'kubectl-label')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
    assert.deepEqual(byManager(list, 'kubectl-annotate')?.fieldsV1, { 'f:metadata': { 'f:annotations': { 'f:note': {} } } });
    // kubectl scale names no manager: the server takes the User-Agent's `kubectl`, as upstream.
    const scale = list.find((e) => e.subresource === 'scale');
    assert.equal(scale?.manager, 'kubectl');
    assert.deepEqual(scale?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.deepEqual(byManager(list, 'kubectl-set')?.fieldsV1, { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { 'f:image': {} } } } } } });
    assert.deepEqual(byManager(list, 'kubectl-edit')?.fieldsV1, { 'f:spec': { 'f:progressDeadlineSeconds': {} } });
    // The creator no longer owns what others changed.
    const create = byManager(list, 'kubectl-create')!.fieldsV1['f:spec'];
    assert.equal(create['f:replicas'], undefined);
    assert.equal(create['f:progressDeadlineSeconds'], undefined);
    assert.ok(list.every((e) => e.operation === 'Update'));
  });

  it('client-side apply, a status patch and a taint record theirs; ?fieldManager= wins over the User-Agent', async () => {
    const file = t.server.writeFile(`cm-${index}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf, namespace: ${ns}}\ndata: {a: "1"}\n`);
    expectOk(await kc(['apply', '-f', file]));
    assert.deepEqual((await entries('cm', 'conf')).map((e) => e.manager), ['kubectl-client-side-apply']);
    expectOk(await kc(['patch', 'cm', 'conf', '-n', ns, '--type=merge', '-p', '{"data":{"b":"2"}}', '--field-manager=my-tool']));
    assert.deepEqual(byManager(await entries('cm', 'conf'), 'my-tool')?.fieldsV1, { 'f:data': { 'f:b': {} } });

    expectOk(await kc(['patch', 'deploy', 'web', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"observedGeneration":99}}']));
    const status = (await entries('deploy', 'web')).find((e) => e.manager === 'kubectl-patch' && e.subresource === 'status');
    assert.ok(status, 'a kubectl-patch entry for the status subresource');
    assert.deepEqual(status.fieldsV1, { 'f:status': { 'f:observedGeneration': {} } });

    const node = `mf-node-${index}`;
    const nodeFile = t.server.writeFile(`node-${index}.yaml`, `apiVersion: v1\nkind: Node\nmetadata: {name: ${node}}\n`);
    expectOk(await kc(['create', '-f', nodeFile]));
    try {
      expectOk(await kc(['taint', 'node', node, 'dedicated=db:NoSchedule']));
      const taint = (JSON.parse(expectOk(await kc(['get', 'node', node, '-o', 'json', '--show-managed-fields']))).metadata.managedFields as Entry[]).find((e) => e.manager === 'kubectl-taint');
      assert.ok(taint?.fieldsV1['f:spec']['f:taints'], 'kubectl-taint owns spec.taints');
    } finally {
      await kc(['delete', 'node', node, '--wait=false']);
    }
  });
});
