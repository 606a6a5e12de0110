// The dispatcher on a real control plane (in-process writes) and a real HTTPS webhook process:
// what the e2e test does not reach through kubectl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../../test/support/control-plane.js';
import { startTestWebhookServer, type TestWebhookServer } from '../../../../test/support/webhook-server.js';
import { ApiError } from '../../errors.js';
import { createObject, deleteObject } from '../../resources/operations.js';
import type { KObject } from '../../../registry/types.js';

describe('admission webhook dispatcher', () => {
  let cp: TestControlPlane;
  let wh: TestWebhookServer;
  const find = (group: string, version: string, resource: string) => cp.context.registry.findByResource(group, version, resource)!;
  const settle = () => new Promise((r) => setTimeout(r, 150));

  before(async () => {
    [cp, wh] = await Promise.all([startTestControlPlane(), startTestWebhookServer()]);
  });
  after(async () => {
    await cp?.close();
    await wh?.stop();
  });

  async function configure(kind: 'validating' | 'mutating', name: string, hook: Record<string, unknown>, opts: { unchecked?: boolean } = {}): Promise<() => Promise<void>> {
    const d = find('admissionregistration.k8s.io', 'v1', `${kind}webhookconfigurations`);
    const obj: KObject = {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: d.kind, metadata: { name },
      webhooks: [{ name: `${name}.k3ts.test`, sideEffects: 'None', admissionReviewVersions: ['v1'], ...hook, clientConfig: { caBundle: wh.caBundle, ...(hook.clientConfig as object) } }],
    };
    if (opts.unchecked) {
      // As an older server might have stored it: sideEffects values v1 no longer accepts.
      obj.metadata.uid = name;
      obj.metadata.creationTimestamp = new Date().toISOString();
      await cp.context.store.create(d, obj);
    } else await createObject(cp.context, d, undefined, obj);
    await settle();
    return async () => {
      await deleteObject(cp.context, d, undefined, name);
      await settle();
    };
  }
  const url = (path: string) => `https://127.0.0.1:${wh.port}${path}`;
  const hpa = (name: string): KObject => ({
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name, namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
  });

  it('matchPolicy Equivalent: an autoscaling/v1 write matches a v2 rule, and the webhook sees and patches v2', async () => {
    const v2rule = [{ operations: ['CREATE'], apiGroups: ['autoscaling'], apiVersions: ['v2'], resources: ['horizontalpodautoscalers'] }];
    const remove = await configure('mutating', 'equivalent', { rules: v2rule, clientConfig: { url: url('/add-label/equivalent/yes') } });
    const created = await createObject(cp.context, find('autoscaling', 'v1', 'horizontalpodautoscalers'), 'default', hpa('equivalent'));
    assert.equal(created.metadata.labels?.equivalent, 'yes');
    const req = (await wh.log()).at(-1)!.review.request;
    assert.deepEqual(req.kind, { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' });
    assert.deepEqual(req.requestKind, { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' });
    assert.equal(req.object.apiVersion, 'autoscaling/v2');
    assert.equal(req.object.spec.metrics[0].resource.target.averageUtilization, 50);
    // The server's own write: the loopback identity.
    assert.equal(req.userInfo.username, 'system:apiserver');
    await remove();

    const exact = await configure('mutating', 'exact', { rules: v2rule, matchPolicy: 'Exact', clientConfig: { url: url('/add-label/exact/yes') } });
    const plain = await createObject(cp.context, find('autoscaling', 'v1', 'horizontalpodautoscalers'), 'default', hpa('exact'));
    assert.equal(plain.metadata.labels?.exact, undefined);
    await exact();
  });

  it('DELETE reaches validating webhooks with the stored object as oldObject; a refusal keeps the object', async () => {
    const cms = find('', 'v1', 'configmaps');
    await createObject(cp.context, cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', labels: { keep: 'yes' } } });
    const remove = await configure('validating', 'no-delete', {
      rules: [{ operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      objectSelector: { matchLabels: { keep: 'yes' } },
      clientConfig: { url: url('/deny/keep%20it') },
    });
    await assert.rejects(deleteObject(cp.context, cms, 'default', 'kept'), (err: ApiError) => {
      assert.equal(err.code, 403);
      assert.equal(err.message, 'configmaps "kept" is forbidden: admission webhook "no-delete.k3ts.test" denied the request: keep it');
      return true;
    });
    const req = (await wh.log()).at(-1)!.review.request;
    assert.deepEqual([req.operation, req.object, req.oldObject.metadata.name, req.options.kind], ['DELETE', null, 'kept', 'DeleteOptions']);
    assert.equal((await cp.context.store.get(cms, 'default', 'kept')).metadata.name, 'kept');
    await remove();
    await deleteObject(cp.context, cms, 'default', 'kept');
  });

  it('a Namespace is matched by its own labels under a namespaceSelector', async () => {
    const nss = find('', 'v1', 'namespaces');
    const remove = await configure('validating', 'team-ns', {
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['namespaces'] }],
      namespaceSelector: { matchLabels: { team: 'locked' } },
      clientConfig: { url: url('/deny/locked%20team') },
    });
    await assert.rejects(createObject(cp.context, nss, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked-ns', labels: { team: 'locked' } } }), /denied the request: locked team/);
    await createObject(cp.context, nss, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'open-ns', labels: { team: 'open' } } });
    await remove();
  });

  it('a dry run never reaches a webhook with side effects: 400 whatever its failurePolicy', async () => {
    const remove = await configure('validating', 'effects', {
      sideEffects: 'Some', failurePolicy: 'Ignore',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      clientConfig: { url: url('/allow') },
    }, { unchecked: true });
    const cms = find('', 'v1', 'configmaps');
    const calls = (await wh.log()).length;
    await assert.rejects(createObject(cp.context, cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } }, { dryRun: true }), (err: ApiError) => {
      assert.equal(err.code, 400);
      assert.equal(err.message, 'admission webhook "effects.k3ts.test" does not support dry run');
      return true;
    });
    assert.equal((await wh.log()).length, calls);
    await remove();
  });
});
