import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, testCaPem, type TestControlPlane } from '../../test/support/control-plane.js';
import { rootCaConfigMap } from './root-ca-publisher.js';

const ns = { group: '', version: 'v1', resource: 'namespaces' };
const cms = { group: '', version: 'v1', resource: 'configmaps' };

async function caIn(cp: TestControlPlane, namespace: string, ms = 5000): Promise<string | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const cm = await cp.client.get(cms, namespace, rootCaConfigMap);
      const ca = (cm.data as Record<string, string>)['ca.crt'];
      if (ca === testCaPem || Date.now() > end) return ca;
    } catch {
      if (Date.now() > end) return undefined;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kube-root-ca.crt', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  it('is in the built-in namespaces and in every new one', async () => {
    assert.equal(await caIn(cp, 'kube-system'), testCaPem);
    await cp.client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    assert.equal(await caIn(cp, 'team-a'), testCaPem);
  });

  it('comes back when deleted or edited', async () => {
    await cp.client.delete(cms, 'team-a', rootCaConfigMap);
    assert.equal(await caIn(cp, 'team-a'), testCaPem);
    await cp.client.patch(cms, 'team-a', rootCaConfigMap, { type: 'merge', body: { data: { 'ca.crt': 'tampered' } } });
    assert.equal(await caIn(cp, 'team-a'), testCaPem);
  });
});
