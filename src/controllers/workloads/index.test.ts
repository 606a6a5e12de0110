import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane } from '../../../test/support/control-plane.js';
import { runWorkloadControllers } from './index.js';
import { jobsType } from './resources.js';
import { eventually, listPods } from './test-support.js';

test('runWorkloadControllers runs every workload controller and stops cleanly', async () => {
  const cp = await startTestControlPlane();
  const stop = new AbortController();
  const errors: string[] = [];
  const running = await runWorkloadControllers({ client: cp.client, onError: (c, k, err) => errors.push(`${c} ${k}: ${(err as Error).message}`) }, stop.signal);
  try {
    await cp.client.create(jobsType, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } } });
    // The Job controller is not one the control plane runs by itself (the ReplicaSet and Deployment ones are).
    await eventually(async () => (await listPods(cp.client, 'default', (p) => p.metadata.labels?.['job-name'] === 'once')).length >= 1, 'job pod');
  } finally {
    stop.abort();
    await running.stopped;
    await cp.close();
  }
  assert.deepEqual(errors, []);
});
