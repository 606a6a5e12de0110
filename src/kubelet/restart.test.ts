import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { hasReason } from '../client/types.js';
import { SimRuntime } from '../runtime/sim/sim-runtime.js';
import { podsType } from './pod-sync.js';
import { getPod, podManifest, startFixture, waitFor } from './test-support.js';

test('an agent restart whose runtime lost its containers starts them again quietly (restart counts and start time kept) and finishes terminating ones', async () => {
  const f = await startFixture({}, { podCIDR: '10.42.4.0/24' });
  let g;
  try {
    await f.plane.client.create(podsType, podManifest('keeper', { containers: [{ name: 'a', image: 'busybox' }] }));
    await f.plane.client.create(podsType, podManifest('job', { restartPolicy: 'Never', containers: [{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox' }] }));
    const before = await waitFor('keeper ready', async () => {
      const p = await getPod(f.plane, 'keeper');
      return p.status?.containerStatuses?.[0]?.ready ? p : undefined;
    });
    await waitFor('job a done', async () => (await getPod(f.plane, 'job')).status?.containerStatuses?.[0]?.state?.terminated !== undefined);
    await f.stopKubelet();
    f.runtime.close(); // the simulated runtime lost everything with the agent

    // Marked for deletion while the agent was down.
    await f.plane.client.delete(podsType, 'default', 'job');
    const eventsBefore = (await f.plane.client.list({ group: '', version: 'v1', resource: 'events' }, { namespace: 'default' })).items.length;

    const runtime = new SimRuntime();
    g = await startFixture({ runtime }, { plane: f.plane });
    const after = await waitFor('keeper running again', async () => {
      const p = await getPod(f.plane, 'keeper');
      const ref = g!.kubelet.findContainer('default', 'keeper', 'a');
      return typeof ref !== 'string' && p.status?.containerStatuses?.[0]?.containerID === `sim://${ref.id}` && p.status.containerStatuses[0].ready ? p : undefined;
    });
    // A new sandbox, as after a reboot: an address from the node's range again.
    assert.match(after.status!.podIP!, /^10\.42\.4\.\d+$/);
    assert.equal(after.status!.phase, 'Running');
    assert.equal(after.status!.containerStatuses![0]!.restartCount, 0);
    assert.equal(after.status!.startTime, before.status!.startTime);

    await waitFor('job gone', async () => getPod(f.plane, 'job').then(() => false, (err) => hasReason(err, 'NotFound')));

    // A new pod does not get the restarted pod's address.
    await f.plane.client.create(podsType, podManifest('newcomer', { containers: [{ name: 'a', image: 'busybox' }] }));
    const newcomer = await waitFor('newcomer', async () => {
      const p = await getPod(f.plane, 'newcomer');
      return p.status?.podIP ? p : undefined;
    });
    assert.notEqual(newcomer.status!.podIP, after.status!.podIP);
    const events = (await f.plane.client.list({ group: '', version: 'v1', resource: 'events' }, { namespace: 'default' })).items.slice(eventsBefore);
    assert.deepEqual(events.filter((e) => (e.involvedObject as { name: string }).name === 'keeper').map((e) => e.reason), []);
  } finally {
    await g?.stop();
    if (!g) await f.stop();
  }
});

test('a pod at rest costs no writes: status is written only when something changed', async () => {
  const f = await startFixture({}, { podCIDR: '10.42.5.0/24' });
  try {
    await f.plane.client.create(podsType, podManifest('quiet', { containers: [{ name: 'a', image: 'busybox' }] }));
    const ready = await waitFor('ready', async () => {
      const p = await getPod(f.plane, 'quiet');
      return p.status?.containerStatuses?.[0]?.ready ? p : undefined;
    });
    const rv = ready.metadata!.resourceVersion;
    // Several heartbeats and lease renewals later the pod is untouched.
    await new Promise((r) => setTimeout(r, 700));
    const later = (await getPod(f.plane, 'quiet')) as Pod;
    assert.equal(later.metadata!.resourceVersion, rv);
  } finally {
    await f.stop();
  }
});
