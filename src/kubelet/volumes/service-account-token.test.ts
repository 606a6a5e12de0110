// The kubelet's token keeping with a fake API and a clock the test moves: one request per pod and
// projection, a new one at 80 % of the lifetime (or after a day), the old token kept while the API
// refuses and it is still valid.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { createServiceAccountTokens, needsRefresh } from './service-account-token.js';
import { VolumeError } from './types.js';

const pod: Pod = { metadata: { name: 'web', namespace: 'team-a', uid: 'pod-uid' }, spec: { serviceAccountName: 'ci', containers: [] } };

function fakeApi(clock: () => number) {
  const asked: KObject[] = [];
  let failing = false;
  const client = {
    async createToken(namespace: string, sa: string, request: KObject) {
      if (failing) throw new Error('connection refused');
      asked.push({ ...request, metadata: { namespace, name: sa } });
      const seconds = (request.spec as { expirationSeconds: number }).expirationSeconds;
      return { status: { token: `token-${asked.length}`, expirationTimestamp: new Date(clock() + seconds * 1000).toISOString() } } as unknown as KObject;
    },
  } as unknown as Client;
  return { client, asked, fail: (f: boolean) => (failing = f) };
}

describe('kubelet service account tokens', () => {
  test('asked once, bound to the pod; asked again at 80 % of the lifetime', async () => {
    let now = 1_000_000;
    const api = fakeApi(() => now);
    const tokens = createServiceAccountTokens(api.client, () => now);
    const projection = { path: 'token', expirationSeconds: 3607 };
    assert.equal(await tokens.tokenFor(pod, projection, 'v'), 'token-1');
    assert.deepEqual(api.asked[0].spec, { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'pod-uid' } });
    assert.deepEqual(api.asked[0].metadata, { namespace: 'team-a', name: 'ci' });
    now += 0.79 * 3607_000;
    assert.equal(await tokens.tokenFor(pod, projection, 'v'), 'token-1');
    now += 0.02 * 3607_000;
    assert.equal(await tokens.tokenFor(pod, projection, 'v'), 'token-2');
    assert.equal(api.asked.length, 2);
    // Another audience is another token.
    assert.equal(await tokens.tokenFor(pod, { ...projection, audience: 'vault' }, 'v'), 'token-3');
    assert.deepEqual((api.asked[2].spec as { audiences: string[] }).audiences, ['vault']);
  });

  test('a refused refresh keeps the old token until it expires, then fails the volume', async () => {
    let now = 0;
    const api = fakeApi(() => now);
    const tokens = createServiceAccountTokens(api.client, () => now);
    const projection = { path: 'token', expirationSeconds: 600 };
    assert.equal(await tokens.tokenFor(pod, projection, 'v'), 'token-1');
    api.fail(true);
    now = 590_000;
    assert.equal(await tokens.tokenFor(pod, projection, 'v'), 'token-1');
    now = 600_000;
    await assert.rejects(tokens.tokenFor(pod, projection, 'v'), (err) => err instanceof VolumeError && /failed to fetch token for service account "ci": connection refused/.test(err.message));
    tokens.forget('pod-uid');
  });

  test('a day-old token is replaced even when it would live longer', () => {
    assert.equal(needsRefresh({ token: 't', issuedAt: 0, expiresAt: 7 * 24 * 3600_000 }, 24 * 3600_000 - 1), false);
    assert.equal(needsRefresh({ token: 't', issuedAt: 0, expiresAt: 7 * 24 * 3600_000 }, 24 * 3600_000), true);
  });
});
