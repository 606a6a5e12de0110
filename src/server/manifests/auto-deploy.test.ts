// The deploy loop against a real in-process control plane (storage, admission, CRD serving, apply)
// and a real directory; only HTTPS and kubectl are left out (test/e2e/manifests.test.ts has them).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { getIfExists, type ResourceType } from '../../client/types.js';
import { createLogger } from '../log.js';
import { ADDON_TYPE } from './addon-kind.js';
import { DEPLOY_FIELD_MANAGER, runAutoDeploy, type AutoDeploy } from './auto-deploy.js';

const configMaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };
const gizmos: ResourceType = { group: 'deploy.example.com', version: 'v1', resource: 'gizmos' };

const cm = (name: string, data: Record<string, string>) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata: ${JSON.stringify(data)}\n`;
const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.deploy.example.com
spec:
  group: deploy.example.com
  scope: Namespaced
  names: { plural: gizmos, kind: Gizmo }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { size: { type: integer } } } } } }
`;

describe('runAutoDeploy in a control plane', { timeout: 60_000 }, () => {
  let cp: TestControlPlane;
  let dir: string;
  const lines: string[] = [];
  const log = createLogger('text', (line) => lines.push(line));
  const start = async (disabled: string[] = [], debounceMs = 0) => {
    const stop = new AbortController();
    const loop = await runAutoDeploy({ client: cp.client, registry: cp.context.registry, dir, disabled, log, debounceMs }, stop.signal);
    await loop.settled();
    return { loop, stop: async () => { stop.abort(); await loop.stopped; } };
  };
  let running: { loop: AutoDeploy; stop(): Promise<void> } | undefined;
  const get = (name: string) => cp.client.get(configMaps, 'default', name);

  before(async () => {
    cp = await startTestControlPlane();
    dir = join(mkdtempSync(join(tmpdir(), 'k3ts-deploy-')), 'manifests'); // made by runAutoDeploy
  });
  after(async () => {
    await running?.stop();
    await cp.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('a CRD and objects of its kind in one file both apply (the objects wait for the kind)', async () => {
    running = await start();
    writeFileSync(join(dir, 'gizmo.yaml'), `apiVersion: deploy.example.com/v1\nkind: Gizmo\nmetadata:\n  name: g1\nspec:\n  size: 3\n---\n${crd}`);
    await running.loop.settled();
    const g = await cp.client.get(gizmos, 'default', 'g1');
    assert.equal((g.spec as { size: number }).size, 3);
    const addon = await cp.client.get(ADDON_TYPE, 'kube-system', 'gizmo');
    assert.deepEqual((addon.status as { objects: unknown[] }).objects, [
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'gizmos.deploy.example.com' },
      { apiVersion: 'deploy.example.com/v1', kind: 'Gizmo', namespace: 'default', name: 'g1' },
    ]);
  });

  it('the file wins over another manager\'s change the next time it changes (apply with force)', async () => {
    writeFileSync(join(dir, 'app.yaml'), cm('app', { a: '1' }));
    await running!.loop.settled();
    await cp.client.apply!(configMaps, 'default', 'app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'default' }, data: { a: 'mine' } }, { fieldManager: 'someone', force: true });
    writeFileSync(join(dir, 'app.yaml'), cm('app', { a: '2' }));
    await running!.loop.settled();
    const app = await get('app');
    assert.deepEqual(app.data, { a: '2' });
    assert.ok((app.metadata.managedFields as Array<{ manager: string }>).some((e) => e.manager === DEPLOY_FIELD_MANAGER));
  });

  it('a file with a bad document deletes nothing; once fixed, what it dropped is deleted', async () => {
    writeFileSync(join(dir, 'pair.yaml'), `${cm('keep', { k: '1' })}---\n${cm('drop', { d: '1' })}`);
    await running!.loop.settled();
    writeFileSync(join(dir, 'pair.yaml'), `${cm('keep', { k: '2' })}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n`);
    await running!.loop.settled();
    assert.deepEqual((await get('keep')).data, { k: '2' });
    assert.ok(await getIfExists(cp.client, configMaps, 'default', 'drop'), 'not deleted while the file is broken');
    assert.equal(((await cp.client.get(ADDON_TYPE, 'kube-system', 'pair')).spec as { checksum?: string }).checksum, undefined);
    writeFileSync(join(dir, 'pair.yaml'), cm('keep', { k: '2' }));
    await running!.loop.settled();
    assert.equal(await getIfExists(cp.client, configMaps, 'default', 'drop'), undefined);
  });

  it('another loop on the same files (a restart, a new leader) applies nothing that did not change', async () => {
    const events = async () => (await cp.client.list({ group: '', version: 'v1', resource: 'events' }, { namespace: 'kube-system' })).items
      .map((e) => `${e.reason} ${(e.involvedObject as { name: string }).name} ${e.count} ${e.message}`).sort();
    const before = (await get('app')).metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 300)); // events are written after the pass, not awaited
    const eventsBefore = await events();
    await running!.stop();
    running = await start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await get('app')).metadata.resourceVersion, before);
    assert.deepEqual(await events(), eventsBefore, 'no new ApplyingManifest or AppliedManifest events');
  });

  it('a file with a YAML error is reported once, not at every pass, until it changes', async () => {
    const reports = () => lines.filter((l) => l.includes('invalid YAML') && l.includes('broken.yaml')).length;
    writeFileSync(join(dir, 'broken.yaml'), 'a: [\n');
    for (let i = 0; i < 3; i++) await running!.loop.settled();
    assert.equal(reports(), 1);
    writeFileSync(join(dir, 'broken.yaml'), 'a: [b\n');
    await running!.loop.settled();
    assert.equal(reports(), 2);
    writeFileSync(join(dir, 'broken.yaml'), '');
    await running!.loop.settled();
  });

  it('a file whose mtime is in the future (copied with it kept) is applied all the same', async () => {
    await running!.stop();
    running = await start([], 1000); // files younger than 1 s are waited for
    writeFileSync(join(dir, 'future.yaml'), cm('future', { f: '1' }));
    const inAnHour = new Date(Date.now() + 3_600_000);
    utimesSync(join(dir, 'future.yaml'), inAnHour, inAnHour);
    await running.loop.settled();
    assert.deepEqual((await get('future')).data, { f: '1' });
    await running.stop();
    running = await start();
  });

  it('deleting a file\'s Addon has the file applied again (K3s\'s way to re-apply)', async () => {
    await cp.client.delete(configMaps, 'default', 'app');
    await running!.loop.settled();
    assert.equal(await getIfExists(cp.client, configMaps, 'default', 'app'), undefined, 'an unchanged file is not re-applied by itself');
    await cp.client.delete(ADDON_TYPE, 'kube-system', 'app');
    await running!.loop.settled();
    assert.deepEqual((await get('app')).data, { a: '2' });
  });

  it('--disable <name>: what <name>.yaml applied is deleted with its Addon; the file stays', async () => {
    writeFileSync(join(dir, 'extra.yaml'), cm('extra', { e: '1' }));
    await running!.loop.settled();
    assert.ok(await getIfExists(cp.client, configMaps, 'default', 'extra'));
    await running!.stop();
    running = await start(['extra']);
    assert.equal(await getIfExists(cp.client, configMaps, 'default', 'extra'), undefined);
    assert.equal(await getIfExists(cp.client, ADDON_TYPE, 'kube-system', 'extra'), undefined);
    assert.ok(existsSync(join(dir, 'extra.yaml')));
    assert.ok(await getIfExists(cp.client, configMaps, 'default', 'app'), 'other files untouched');
  });
});
