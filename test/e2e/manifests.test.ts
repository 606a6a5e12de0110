// Auto-deployed manifests, as a user of K3s expects them: files copied into
// <data-dir>/server/manifests of a real `k3ts server` appear in the cluster, follow edits (by
// server-side apply, so managedFields name the k3ts-deploy manager), stop following while a
// `.skip` file is there, lose objects whose documents are removed, report a broken file as an
// event and a log line without holding the others back, and are not applied again after a restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess } from '../durability/k3ts-process.js';
import { exec, type Result } from './cli-exec.js';
import { kubectls } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: mf\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;
const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mf\n';

describe('auto-deployed manifests (<data-dir>/server/manifests)', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-e2e-manifests-'));
  let server: K3tsProcess;
  let dir: string;
  const kc = (args: string[], bin = kubectls[0]!.bin): Promise<Result> =>
    exec(bin, args, { KUBECONFIG: server.kubeconfig, HOME: join(root, 'home'), KUBECACHEDIR: join(root, 'kubecache', bin.replace(/\W+/g, '_')) }, 30_000);
  const ok = async (args: string[], bin?: string) => {
    const r = await kc(args, bin);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const cmData = async (name: string) => {
    const r = await kc(['get', 'cm', name, '-n', 'mf', '-o', 'jsonpath={.data}']);
    return r.code === 0 ? r.stdout : undefined;
  };
  /** Polls as fast as kubectl answers; returns how long the condition took to hold. */
  const until = async (what: string, timeoutMs: number, check: () => Promise<boolean>) => {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms\n--- server log\n${server.log.slice(-3000)}`);
      await sleep(25);
    }
    return Date.now() - start;
  };
  const events = async (addon: string) =>
    ok(['get', 'events', '-n', 'kube-system', '--field-selector', `involvedObject.name=${addon}`, '-o', 'jsonpath={range .items[*]}{.reason}|{.count}|{.message}{"\\n"}{end}']);
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);

  before(async () => {
    server = await K3tsProcess.start({ root });
    dir = join(server.dataDir, 'server', 'manifests');
  });
  after(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a file dropped into the directory is applied within 2 s, with an Addon record', async () => {
    write('app.yaml', `${namespace}---\n${configMap('app', { a: '1' })}---\n${configMap('extra', { x: '1' })}`);
    const ms = await until('ConfigMap mf/app', 2000, async () => (await cmData('app')) === '{"a":"1"}');
    console.log(`manifest write → object visible through kubectl: ${ms} ms`);
    assert.equal(await cmData('extra'), '{"x":"1"}');
    const record = await ok(['get', 'addons.k3s.cattle.io', 'app', '-n', 'kube-system', '-o', 'jsonpath={.spec.source} {.spec.checksum}']);
    assert.match(record, new RegExp(`^${join(dir, 'app.yaml')} [0-9a-f]{64}$`));
    assert.match(await events('app'), /AppliedManifest\|1\|applied .*app\.yaml: 3 objects/);
  });

  it('an edit is applied by server-side apply as k3ts-deploy; a removed document deletes its object', async () => {
    write('app.yaml', `${namespace}---\n${configMap('app', { a: '2', b: '3' })}`);
    await until('the edit', 3000, async () => (await cmData('app')) === '{"a":"2","b":"3"}');
    await until('the dropped ConfigMap deleted', 3000, async () => (await cmData('extra')) === undefined);
    for (const k of kubectls) {
      const managers = await ok(['get', 'cm', 'app', '-n', 'mf', '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}/{.metadata.managedFields[*].operation}'], k.bin);
      assert.equal(managers, 'k3ts-deploy/Apply', k.name);
    }
    assert.match(await events('app'), /deleted ConfigMap mf\/extra, no longer in the file/);
  });

  it('a broken file is reported by file and document, and the other files still apply', async () => {
    write('broken.yaml', `${configMap('never', { a: '1' })}---\nkind: ConfigMap\n  data: [oops\n`);
    write('mixed.yml', `${configMap('mixed-good', { g: '1' })}---\napiVersion: nope.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n`);
    write('later.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'mf' }, data: { j: '1' } }));
    await until('later.json applied', 3000, async () => (await cmData('later')) === '{"j":"1"}');
    await until('the good document of mixed.yml applied', 3000, async () => (await cmData('mixed-good')) === '{"g":"1"}');
    assert.equal(await cmData('never'), undefined, 'nothing from a file with a YAML error is applied');
    await until('the parse failure event', 3000, async () => /ParseManifestFailed\|\d+\|.*broken\.yaml: document 2 \(line \d+\): .*nothing from this file was applied/.test(await events('broken')));
    await until('the apply failure event', 3000, async () => /ApplyManifestFailed\|\d+\|.*mixed\.yml: 1 of 2 documents not applied: document 2 \(Widget w\): no kind "Widget" is served in nope\.example\.com\/v1/.test(await events('mixed')));
    assert.match(server.log, /manifest: invalid YAML, nothing applied from this file file=\S+broken\.yaml error="?document 2/);
    assert.match(server.log, /manifest: document not applied file=\S+mixed\.yml document=2/);
    assert.ok(server.alive);
  });

  it('a .skip file stops a manifest from being applied until it is removed', async () => {
    write('app.yaml.skip', '');
    await sleep(300);
    write('app.yaml', `${namespace}---\n${configMap('app', { a: 'skipped' })}`);
    await sleep(1500); // well past the debounce and the settle time
    assert.equal(await cmData('app'), '{"a":"2","b":"3"}');
    unlinkSync(join(dir, 'app.yaml.skip'));
    await until('applied once the skip file is gone', 3000, async () => (await cmData('app')) === '{"a":"skipped"}');
  });

  it('a restart does not apply unchanged files again', async () => {
    const rvBefore = await ok(['get', 'cm', 'app', 'later', '-n', 'mf', '-o', 'jsonpath={.items[*].metadata.resourceVersion}']);
    const appliedBefore = (await events('app')).split('\n').filter((l) => l.startsWith('ApplyingManifest|'));
    const stopped = await server.stop();
    assert.equal(stopped.code, 0);
    server = await K3tsProcess.start({ root });
    // Passes run in order, so once a file written after the start is applied, the first pass is done.
    write('after-restart.yaml', configMap('after-restart', { r: '1' }));
    await until('a file written after the restart', 5000, async () => (await cmData('after-restart')) === '{"r":"1"}');
    assert.equal(await ok(['get', 'cm', 'app', 'later', '-n', 'mf', '-o', 'jsonpath={.items[*].metadata.resourceVersion}']), rvBefore);
    assert.deepEqual((await events('app')).split('\n').filter((l) => l.startsWith('ApplyingManifest|')), appliedBefore);
    assert.doesNotMatch(server.log, /manifest applied file=\S+app\.yaml/);
  });
});
