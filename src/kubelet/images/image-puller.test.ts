import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { ImageService, ImageStatus, RegistryAuth } from '../../runtime/types.js';
import { ImagePuller, type PullOutcome } from './image-puller.js';
import { credentialsFor, dockerConfigEntries, imageLocation, parseConfigKey } from './pull-secrets.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('pull secrets', () => {
  it('reads .dockerconfigjson and legacy .dockercfg secrets; anything else is no credentials', () => {
    const json = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'reg.example.com': { auth: b64('me:pa:ss') } } })) } };
    const legacy = { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'reg.example.com': { username: 'u', password: 'p' } })) } };
    assert.deepEqual(credentialsFor('reg.example.com/app:1', [dockerConfigEntries(json)!]), [{ username: 'me', password: 'pa:ss' }]);
    assert.deepEqual(credentialsFor('reg.example.com/app:1', [dockerConfigEntries(legacy)!]), [{ username: 'u', password: 'p' }]);
    assert.equal(dockerConfigEntries({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } }), undefined);
    assert.equal(dockerConfigEntries({ type: 'Opaque', data: {} }), undefined);
  });

  it('finds the registry of an image as the kubelet does, Docker Hub by any of its names', () => {
    assert.deepEqual(imageLocation('nginx'), { host: 'docker.io', path: 'library/nginx' });
    assert.deepEqual(imageLocation('nacho2407/test'), { host: 'docker.io', path: 'nacho2407/test' });
    assert.deepEqual(imageLocation('127.0.0.1:5000/team/app:1@sha256:abc'), { host: '127.0.0.1:5000', path: 'team/app' });
    assert.deepEqual(imageLocation('localhost/app'), { host: 'localhost', path: 'app' });
    assert.deepEqual(parseConfigKey('https://index.docker.io/v1/'), { host: 'docker.io', path: '' });
    assert.deepEqual(parseConfigKey('http://reg.example.com:5000/team/'), { host: 'reg.example.com:5000', path: 'team' });
  });

  it('matches by host (a * label matches one label, ports must agree) and path prefix, most specific first', () => {
    const entries = {
      '*.example.com': { username: 'wild' },
      'reg.example.com/team': { username: 'team' },
      'reg.example.com': { username: 'host' },
      'reg.example.com:5000': { username: 'port' },
      'docker.io': { username: 'hub' },
    };
    const users = (image: string) => credentialsFor(image, [entries]).map((a: RegistryAuth) => a.username);
    assert.deepEqual(users('reg.example.com/team/app'), ['team', 'host', 'wild']);
    assert.deepEqual(users('reg.example.com/teams/app'), ['host', 'wild'], 'a path prefix ends at a /');
    assert.deepEqual(users('reg.example.com:5000/app'), ['port']);
    assert.deepEqual(users('a.b.example.com/app'), [], '* is one label');
    assert.deepEqual(users('busybox'), ['hub']);
    assert.deepEqual(users('other.io/app'), []);
  });
});

class FakeImages implements ImageService {
  present = new Map<string, ImageStatus>();
  pulls: Array<{ image: string; auth?: RegistryAuth }> = [];
  failWith: string | undefined;
  gate: Promise<void> = Promise.resolve();
  async imageStatus(image: string) {
    return this.present.get(image);
  }
  async pullImage(image: string, auth?: RegistryAuth) {
    this.pulls.push({ image, ...(auth ? { auth } : {}) });
    await this.gate;
    if (this.failWith) throw new Error(this.failWith);
    const st = { image, imageRef: `sha256:${image.length}`, names: [image], sizeBytes: 1234 };
    this.present.set(image, st);
    return st;
  }
  async listImages() {
    return [...this.present.values()];
  }
  async removeImage() {}
  async imageFsInfo() {
    return { usedBytes: 0, mountpoint: '/' };
  }
}

function setup(secrets: Record<string, unknown> = {}) {
  const images = new FakeImages();
  const events: string[] = [];
  const recorder: EventRecorder = {
    normal: (_o, reason, message) => events.push(`Normal ${reason}: ${message}`),
    warning: (_o, reason, message) => events.push(`Warning ${reason}: ${message}`),
  } as EventRecorder;
  const client = {
    get: async (_t: unknown, _ns: unknown, name: string) => {
      if (!secrets[name]) throw new Error('NotFound');
      return secrets[name];
    },
  } as unknown as Client;
  const puller = new ImagePuller({ images, client, recorder, backoffInitialMs: 1000, backoffMaxMs: 4000 });
  return { images, events, puller };
}

const pod = (image: string, extra: Partial<Pod['spec']> = {}, policy?: string): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'c', image, ...(policy ? { imagePullPolicy: policy } : {}) }], ...extra },
});
const ensure = (puller: ImagePuller, p: Pod): Promise<PullOutcome> => puller.ensure(p, p.spec!.containers[0]!);

describe('image puller', () => {
  it('uses an image that is present unless the policy is Always; pulls it otherwise, with its size in the event', async () => {
    const { images, events, puller } = setup();
    images.present.set('app:1', { image: 'app:1', imageRef: 'x', names: ['app:1'], sizeBytes: 5 });
    assert.deepEqual(await ensure(puller, pod('app:1')), { ok: true });
    assert.equal(images.pulls.length, 0);
    assert.deepEqual(await ensure(puller, pod('app:1', {}, 'Always')), { ok: true });
    assert.deepEqual(await ensure(puller, pod('app:latest')), { ok: true }, 'latest defaults to Always');
    assert.deepEqual(images.pulls.map((p) => p.image), ['app:1', 'app:latest']);
    assert.equal(events[0], 'Normal Pulled: Container image "app:1" already present on machine');
    assert.match(events.at(-1)!, /^Normal Pulled: Successfully pulled image "app:latest" in \d+(\.\d+)?m?s \(.* including waiting\)\. Image size: 1234 bytes\.$/);
  });

  it('a failed pull is ErrImagePull, then ImagePullBackOff until the back-off passes, then a new pull, doubling', async () => {
    const { images, events, puller } = setup();
    images.failWith = 'rpc error: code = NotFound desc = failed to pull and unpack image "reg.example.com/nope:1": not found';
    const first = await ensure(puller, pod('reg.example.com/nope:1'));
    assert.equal(first.ok, false);
    assert.deepEqual(first.ok === false && first.waiting, { reason: 'ErrImagePull', message: images.failWith });
    assert.equal(first.ok === false && first.retryMs, 500, 'looked at again halfway through the back-off');
    assert.deepEqual(events.slice(-2), [`Warning Failed: Failed to pull image "reg.example.com/nope:1": ${images.failWith}`, 'Warning Failed: Error: ErrImagePull']);
    const second = await ensure(puller, pod('reg.example.com/nope:1'));
    assert.equal(second.ok === false && second.waiting.reason, 'ImagePullBackOff');
    assert.equal(second.ok === false && second.waiting.message, `Back-off pulling image "reg.example.com/nope:1": ErrImagePull: ${images.failWith}`);
    assert.ok(second.ok === false && second.retryMs <= 1000 && second.retryMs > 0);
    assert.deepEqual(events.slice(-2), ['Normal BackOff: Back-off pulling image "reg.example.com/nope:1"', 'Warning Failed: Error: ImagePullBackOff']);
    assert.equal(images.pulls.length, 1, 'no pull during back-off');
    await new Promise((r) => setTimeout(r, 1050));
    const third = await ensure(puller, pod('reg.example.com/nope:1'));
    assert.equal(third.ok === false && third.waiting.reason, 'ErrImagePull');
    assert.equal(third.ok === false && third.retryMs, 1000, 'the back-off doubled');
    images.failWith = undefined;
    puller.forget('u1');
    assert.deepEqual(await ensure(puller, pod('reg.example.com/nope:1')), { ok: true }, 'a forgotten pod starts without back-off');
  });

  it('Never with no image is ErrImageNeverPull; a malformed reference is InvalidImageName; neither pulls', async () => {
    const { images, events, puller } = setup();
    const never = await ensure(puller, pod('app:2', {}, 'Never'));
    assert.deepEqual(never.ok === false && never.waiting, { reason: 'ErrImageNeverPull', message: 'Container image "app:2" is not present with pull policy of Never' });
    const bad = await ensure(puller, pod('Bad Image!'));
    assert.equal(bad.ok === false && bad.waiting.reason, 'InvalidImageName');
    assert.equal(images.pulls.length, 0);
    assert.ok(events.includes('Warning Failed: Error: InvalidImageName'));
  });

  it('passes the credentials of the pod\'s imagePullSecrets for the image\'s registry; a missing secret is skipped', async () => {
    const secret = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { '127.0.0.1:5000': { username: 'me', password: 'pw' } } })) } };
    const { images, puller } = setup({ regcred: secret });
    const p = pod('127.0.0.1:5000/private/app:1', { imagePullSecrets: [{ name: 'gone' }, { name: 'regcred' }] });
    assert.deepEqual(await ensure(puller, p), { ok: true });
    assert.deepEqual(images.pulls, [{ image: '127.0.0.1:5000/private/app:1', auth: { username: 'me', password: 'pw' } }]);
  });

  it('two pods asking for one image at once share one pull', async () => {
    const { images, puller } = setup();
    let open!: () => void;
    images.gate = new Promise((r) => (open = r));
    const a = ensure(puller, pod('shared:1'));
    const b = puller.ensure({ ...pod('shared:1'), metadata: { name: 'q', namespace: 'default', uid: 'u2' } }, { name: 'c', image: 'shared:1' });
    await new Promise((r) => setTimeout(r, 10));
    open();
    assert.deepEqual(await Promise.all([a, b]), [{ ok: true }, { ok: true }]);
    assert.equal(images.pulls.length, 1);
  });
});
