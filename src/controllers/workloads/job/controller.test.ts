import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JobStatus } from 'kubernetes-types/batch/v1.js';
import { startBareControlPlane, type BareControlPlane } from '../../../../test/support/bare-control-plane.js';
import type { KObject } from '../../../registry/types.js';
import { jobStatus, jobCompletions } from '../../../registry/tables/job.js';
import { jobsType } from '../resources.js';
import { eventually, expectEvents, listPods, setPodFinished, setPodRunning } from '../test-support.js';
import { runJobController } from './controller.js';

const ns = 'default';

function job(name: string, spec: Record<string, unknown>, restartPolicy = 'Never'): KObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: ns }, spec: { ...spec, template: { spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox' }] } } } };
}

describe('Job controller', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  const errors: unknown[] = [];
  before(async () => {
    cp = await startBareControlPlane();
    await runJobController({ client: cp.client, podFailureBackoff: { baseMs: 20 }, onError: (_k, err) => errors.push(err) }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const getJob = (name: string) => cp.client.get(jobsType, ns, name);
  const running = (name: string) => listPods(cp.client, ns, (p) => p.metadata.labels?.['job-name'] === name && !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes((p.status as { phase?: string }).phase ?? ''));

  it('runs pods, parallelism at a time, until completions succeed', async () => {
    const created = await cp.client.create(jobsType, job('pi', { completions: 3, parallelism: 2 }));
    let pods = await eventually(async () => ((await running('pi')).length === 2 ? running('pi') : false), 'two pods');
    const p = pods[0];
    assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(p.metadata.labels?.['controller-uid'], created.metadata.uid);
    assert.equal(p.metadata.labels?.['batch.kubernetes.io/controller-uid'], created.metadata.uid);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.ok(p.metadata.name!.startsWith('pi-'));
    await setPodRunning(cp.client, pods[0]);
    await eventually(async () => ((await getJob('pi')).status as JobStatus).ready === 1, 'ready 1');
    const s0 = (await getJob('pi')).status as JobStatus;
    assert.equal(s0.active, 2);
    assert.ok(s0.startTime);
    for (const pod of pods) await setPodFinished(cp.client, pod, 'Succeeded');
    // One completion is left: one more pod, not two.
    pods = await eventually(async () => {
      const left = await running('pi');
      return left.length === 1 && ((await getJob('pi')).status as JobStatus).succeeded === 2 ? left : false;
    }, 'one more pod');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await running('pi')).length, 1);
    await setPodFinished(cp.client, pods[0], 'Succeeded');
    const done = await eventually(async () => {
      const j = await getJob('pi');
      return ((j.status as JobStatus).conditions ?? []).some((c) => c.type === 'Complete') ? j : false;
    }, 'complete');
    const s = done.status as JobStatus;
    assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    assert.deepEqual([s.active, s.ready, s.succeeded, s.failed ?? 0, s.terminating], [0, 0, 3, 0, 0]);
    assert.ok(s.completionTime);
    assert.equal(jobStatus(done as never), 'Complete');
    assert.equal(jobCompletions(done as never), '3/3');
    await expectEvents(cp.client, ns, 'pi', (e) => e.reason === 'SuccessfulCreate' && e.source?.component === 'job-controller', 3);
    await expectEvents(cp.client, ns, 'pi', (e) => e.reason === 'Completed' && e.message === 'Job completed');
  });

  it('replaces failed pods until backoffLimit is exceeded, then fails', async () => {
    await cp.client.create(jobsType, job('flaky', { backoffLimit: 2 }));
    for (let i = 0; i < 3; i++) {
      const [pod] = await eventually(async () => {
        const r = await running('flaky');
        return r.length === 1 ? r : false;
      }, `attempt ${i + 1}`);
      await setPodFinished(cp.client, pod, 'Failed');
      await eventually(async () => ((await getJob('flaky')).status as JobStatus).failed === i + 1, `failed ${i + 1}`);
    }
    const failed = await eventually(async () => {
      const j = await getJob('flaky');
      return ((j.status as JobStatus).conditions ?? []).some((c) => c.type === 'Failed') ? j : false;
    }, 'failed');
    const s = failed.status as JobStatus;
    assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ]);
    assert.equal(s.failed, 3);
    assert.equal(s.active, 0);
    assert.equal(s.completionTime, undefined);
    assert.equal(jobStatus(failed as never), 'Failed');
    assert.equal((await running('flaky')).length, 0);
    await expectEvents(cp.client, ns, 'flaky', (e) => e.reason === 'BackoffLimitExceeded' && e.message === 'Job has reached the specified backoff limit');
  });

  it('fails with DeadlineExceeded at activeDeadlineSeconds and removes its running pods', async () => {
    await cp.client.create(jobsType, job('slow', { activeDeadlineSeconds: 1 }));
    await eventually(async () => (await running('slow')).length === 1, 'pod');
    const failed = await eventually(async () => {
      const j = await getJob('slow');
      return ((j.status as JobStatus).conditions ?? []).some((c) => c.type === 'Failed') ? j : false;
    }, 'deadline', 5000);
    const cond = (failed.status as JobStatus).conditions!.find((c) => c.type === 'Failed')!;
    assert.deepEqual([cond.reason, cond.message], ['DeadlineExceeded', 'Job was active longer than specified deadline']);
    assert.equal((await running('slow')).length, 0);
    assert.deepEqual(errors, []);
  });
});
