// Priority, RuntimeClass and DefaultIngressClass admission over a real store: what a new pod or
// ingress is given from the classes that exist, and upstream's refusals.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../storage/open.js';
import type { Backend } from '../../storage/backend.js';
import { ObjectStore } from '../store/object-store.js';
import { registry } from '../../registry/index.js';
import { createObject } from '../resources/operations.js';
import type { ResourceContext } from '../resources/context.js';
import type { KObject } from '../../registry/types.js';
import { ApiError } from '../errors.js';
import { priorityAdmission } from './priority.js';
import { runtimeClassAdmission } from './runtime-class.js';
import { defaultIngressClass } from './default-ingress-class.js';

describe('class admission', () => {
  let dir: string;
  let backend: Backend;
  let ctx: ResourceContext;
  const find = (g: string, r: string) => registry.findByResource(g, 'v1', r)!;
  const create = (g: string, r: string, ns: string | undefined, body: Record<string, unknown>) => createObject(ctx, find(g, r), ns, body);
  const pod = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });
  const forbidden = (pattern: RegExp) => (err: unknown) => err instanceof ApiError && err.code === 403 && pattern.test(err.message);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-classes-'));
    backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
    const base = { store: new ObjectStore(backend), registry };
    ctx = { ...base, admission: [runtimeClassAdmission(base), defaultIngressClass(base), priorityAdmission(base)] };
  });
  after(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('priority comes from the class, or the global default; a made-up number or class is refused', async () => {
    const plain = await create('', 'pods', 'ns', pod('plain'));
    assert.equal((plain.spec as { priority: number }).priority, 0);
    await create('scheduling.k8s.io', 'priorityclasses', undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
    await create('scheduling.k8s.io', 'priorityclasses', undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'normal' }, value: 10, globalDefault: true, preemptionPolicy: 'Never' });
    await assert.rejects(
      create('scheduling.k8s.io', 'priorityclasses', undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'other' }, value: 5, globalDefault: true }),
      forbidden(/PriorityClass normal is already marked as default. Only one default can exist/),
    );
    const high = (await create('', 'pods', 'ns', pod('high', { priorityClassName: 'high' }))).spec as Record<string, unknown>;
    assert.deepEqual([high.priority, high.preemptionPolicy], [1000, 'PreemptLowerPriority']);
    const dflt = (await create('', 'pods', 'ns', pod('dflt'))).spec as Record<string, unknown>;
    assert.deepEqual([dflt.priorityClassName, dflt.priority, dflt.preemptionPolicy], ['normal', 10, 'Never']);
    await assert.rejects(create('', 'pods', 'ns', pod('bad', { priorityClassName: 'high', priority: 5 })), forbidden(/the integer value of priority \(5\) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name/));
    await assert.rejects(create('', 'pods', 'ns', pod('gone', { priorityClassName: 'gone' })), forbidden(/no PriorityClass with name gone was found/));
  });

  it('a RuntimeClass gives its overhead and node selector; an unknown one is refused', async () => {
    await create('node.k8s.io', 'runtimeclasses', undefined, { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc', overhead: { podFixed: { cpu: '250m' } }, scheduling: { nodeSelector: { sandbox: 'yes' } } });
    const p = (await create('', 'pods', 'ns', pod('sandboxed', { runtimeClassName: 'gvisor' }))).spec as Record<string, unknown>;
    assert.deepEqual([p.overhead, p.nodeSelector], [{ cpu: '250m' }, { sandbox: 'yes' }]);
    await assert.rejects(create('', 'pods', 'ns', pod('nope', { runtimeClassName: 'kata' })), forbidden(/pod rejected: RuntimeClass "kata" not found/));
    await assert.rejects(create('', 'pods', 'ns', pod('clash', { runtimeClassName: 'gvisor', nodeSelector: { sandbox: 'no' } })), forbidden(/conflict: runtimeClass.scheduling.nodeSelector\[sandbox\] = yes; pod.spec.nodeSelector\[sandbox\] = no/));
  });

  it('an Ingress without a class gets the newest default class; one with a class keeps it', async () => {
    const ing = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, ...spec },
    });
    const classOf = (o: KObject) => (o.spec as { ingressClassName?: string }).ingressClassName;
    assert.equal(classOf(await create('networking.k8s.io', 'ingresses', 'ns', ing('none'))), undefined);
    for (const name of ['old', 'new']) {
      await create('networking.k8s.io', 'ingressclasses', undefined, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'example.com/ingress' } });
      await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has whole seconds
    }
    assert.equal(classOf(await create('networking.k8s.io', 'ingresses', 'ns', ing('defaulted'))), 'new');
    assert.equal(classOf(await create('networking.k8s.io', 'ingresses', 'ns', ing('chosen', { ingressClassName: 'old' }))), 'old');
  });
});
