// ServiceAccount admission and TokenRequest through the in-process control plane (real storage,
// defaults, validation and admission).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import type { KObject } from '../../registry/types.js';
import { TOKEN_MOUNT_PATH } from './service-account.js';

const pods = { group: '', version: 'v1', resource: 'pods' };
const serviceAccounts = { group: '', version: 'v1', resource: 'serviceaccounts' };
const namespaces = { group: '', version: 'v1', resource: 'namespaces' };

const pod = (name: string, spec: Partial<Pod['spec']> = {}, metadata: Record<string, unknown> = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'sa-adm', ...metadata }, spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec } }) as KObject;

describe('ServiceAccount admission', () => {
  let plane: TestControlPlane;
  before(async () => {
    plane = await startTestControlPlane();
    await plane.client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sa-adm' } });
  });
  after(() => plane.close());

  test('a pod in a fresh namespace runs as default, with the token volume mounted read-only in every container', async () => {
    const made = (await plane.client.create(pods, pod('plain', {
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox', volumeMounts: [{ name: 'own', mountPath: TOKEN_MOUNT_PATH }] }],
      volumes: [{ name: 'own', emptyDir: {} }],
    }))) as unknown as Pod;
    assert.equal(made.spec!.serviceAccountName, 'default');
    assert.equal(made.spec!.serviceAccount, 'default');
    const vol = made.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    const mount = { name: vol.name, readOnly: true, mountPath: TOKEN_MOUNT_PATH };
    assert.deepEqual(made.spec!.initContainers![0].volumeMounts, [mount]);
    assert.deepEqual(made.spec!.containers[0].volumeMounts, [mount]);
    assert.deepEqual(made.spec!.containers[1].volumeMounts, [{ name: 'own', mountPath: TOKEN_MOUNT_PATH }], 'a container mounting the path itself keeps its mount');
    // The namespace's default ServiceAccount exists now.
    assert.ok(await plane.client.get(serviceAccounts, 'sa-adm', 'default'));
  });

  test('automountServiceAccountToken: false on the pod or on its ServiceAccount → no volume', async () => {
    const a = (await plane.client.create(pods, pod('no-mount', { automountServiceAccountToken: false }))) as unknown as Pod;
    assert.equal(a.spec!.volumes, undefined);
    await plane.client.create(serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: 'sa-adm' }, automountServiceAccountToken: false } as KObject);
    const b = (await plane.client.create(pods, pod('quiet-pod', { serviceAccountName: 'quiet' }))) as unknown as Pod;
    assert.equal(b.spec!.volumes, undefined);
    assert.equal(b.spec!.serviceAccount, 'quiet');
    // The pod may say yes where its ServiceAccount says no.
    const c = (await plane.client.create(pods, pod('loud-pod', { serviceAccountName: 'quiet', automountServiceAccountToken: true }))) as unknown as Pod;
    assert.equal(c.spec!.volumes?.length, 1);
  });

  test('a missing ServiceAccount → Forbidden, in upstream words', async () => {
    await assert.rejects(plane.client.create(pods, pod('lost', { serviceAccountName: 'ghost' })), (err: { code?: number; reason?: string; message?: string }) => {
      assert.equal(err.code, 403);
      assert.equal(err.reason, 'Forbidden');
      assert.equal(err.message, 'pods "lost" is forbidden: error looking up service account sa-adm/ghost: serviceaccount "ghost" not found');
      return true;
    });
  });

  test('mirror pods are left alone', async () => {
    const m = (await plane.client.create(pods, pod('static-web', {}, { annotations: { 'kubernetes.io/config.mirror': 'abc' } }))) as unknown as Pod;
    assert.equal(m.spec!.volumes, undefined);
  });
});

describe('TokenRequest', () => {
  let plane: TestControlPlane;
  before(async () => {
    plane = await startTestControlPlane();
    await plane.client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sa-adm' } });
    for (const name of ['ci', 'default']) await plane.client.create(serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'sa-adm' } });
  });
  after(() => plane.close());
  const ask = (name: string, spec: Record<string, unknown>) => plane.client.createToken!('sa-adm', name, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec } as KObject);

  test('defaults: the server audiences and one hour', async () => {
    const answer = await ask('ci', {});
    const spec = answer.spec as { audiences: string[]; expirationSeconds: number };
    assert.deepEqual(spec.audiences, ['https://kubernetes.default.svc.cluster.local', 'k3s']);
    assert.equal(spec.expirationSeconds, 3600);
    const status = answer.status as { token: string; expirationTimestamp: string };
    const who = plane.context.serviceAccountTokens!.authenticator.authenticateToken(status.token);
    assert.equal(who?.user.name, 'system:serviceaccount:sa-adm:ci');
    assert.ok(Math.abs(Date.parse(status.expirationTimestamp) - Date.now() - 3600_000) < 5_000);
  });

  test('under ten minutes → Invalid, as upstream words it', async () => {
    await assert.rejects(ask('ci', { expirationSeconds: 599 }), (err: { code?: number; reason?: string; message?: string }) => {
      assert.equal(err.code, 422);
      assert.equal(err.reason, 'Invalid');
      assert.equal(err.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
      return true;
    });
  });

  test('bound to a Pod: the claims name it; another ServiceAccount\'s pod or a wrong uid is refused', async () => {
    const made = await plane.client.create(pods, { ...pod('runner', { serviceAccountName: 'ci' }) });
    const answer = await ask('ci', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner' } });
    const token = (answer.status as { token: string }).token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    assert.deepEqual(claims['kubernetes.io'], { namespace: 'sa-adm', pod: { name: 'runner', uid: made.metadata.uid }, serviceaccount: { name: 'ci', uid: claims['kubernetes.io'].serviceaccount.uid } });
    assert.equal((answer.spec as { boundObjectRef: { uid: string } }).boundObjectRef.uid, made.metadata.uid);
    await assert.rejects(ask('default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner' } }), /cannot bind token for serviceaccount "default" to pod running with different serviceaccount name\./);
    await assert.rejects(ask('ci', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner', uid: 'nope' } }), (err: { reason?: string }) => err.reason === 'Conflict');
    await assert.rejects(ask('ci', { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }), /cannot bind token to object of type \/v1, Kind=ConfigMap/);
    await assert.rejects(ask('nobody', {}), /serviceaccounts "nobody" not found/);
  });
});
