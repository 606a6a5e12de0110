import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBareControlPlane } from '../../../test/support/bare-control-plane.js';
import { runWorkloadControllers } from './index.js';
import { deploymentsType, jobsType } from './resources.js';
import { eventually, listPods } from './test-support.js';

test('runWorkloadControllers runs every workload controller and stops cleanly', async () => {
  const cp = await startBareControlPlane();
  const stop = new AbortController();
  const errors: string[] = [];
  const running = await runWorkloadControllers({ client: cp.client, onError: (c, k, err) => errors.push(`${c} ${k}: ${(err as Error).message}`) }, stop.signal);
  try {
    await cp.client.create(jobsType, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } } });
    await cp.client.create(deploymentsType, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    await eventually(async () => (await listPods(cp.client, 'default', (p) => p.metadata.labels?.['job-name'] === 'once')).length === 1, 'job pod');
    await eventually(async () => (await listPods(cp.client, 'default', (p) => p.metadata.labels?.app === 'web')).length === 2, 'deployment pods');
  } finally {
    stop.abort();
    await running.stopped;
    await cp.close();
  }
  assert.deepEqual(errors, []);
});
