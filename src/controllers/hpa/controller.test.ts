// The HPA controller against the in-process control plane, with fake metrics and a fake clock for
// its windows (the sync period itself runs on short real timers). No workload controllers run, so
// the pods are exactly the ones the test makes, and the Deployment's spec.replicas is what the HPA set.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import { startBareControlPlane, type BareControlPlane } from '../../../test/support/bare-control-plane.js';
import { eventually } from '../../../test/support/eventually.js';
import { fakeClock } from '../../../test/support/fake-clock.js';
import type { KObject } from '../../registry/types.js';
import type { PodMetrics, ResourceMetricsSource } from './metrics-source.js';
import { hpaType, runHpaController } from './controller.js';

const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const events = { group: '', version: 'v1', resource: 'events' };
const NS = 'default';
const longAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Usage in millicores per pod; a namespace/selector listed in `down` throws as an absent metrics API would. */
function fakeMetrics(clock: { now(): number }) {
  const usage = new Map<string, number>();
  const down = new Set<string>();
  const source: ResourceMetricsSource = {
    async podMetrics(namespace, selector) {
      if (down.has(selector)) throw new Error('the server is currently unable to handle the request (get pods.metrics.k8s.io)');
      const app = selector.replace(/^app=/, '');
      const items: PodMetrics[] = [];
      for (const [pod, cpu] of usage) {
        if (!pod.startsWith(`${app}-`) || namespace !== NS) continue;
        items.push({ pod, timestamp: new Date(clock.now() - 5_000).toISOString(), window: '30s', containers: [{ name: 'c', usage: { cpu: `${cpu}m` } }] });
      }
      return items;
    },
  };
  return { usage, down, source };
}

describe('HorizontalPodAutoscaler controller', () => {
  let cp: BareControlPlane;
  const stop = new AbortController();
  const clock = fakeClock(Date.now());
  const metrics = fakeMetrics(clock);

  async function makeApp(app: string, opts: { replicas: number; pods: number; request?: string }) {
    const resources = opts.request ? { requests: { cpu: opts.request } } : {};
    await cp.client.create(deployments, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: NS },
      spec: { replicas: opts.replicas, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx', resources }] } } },
    });
    for (let i = 0; i < opts.pods; i++) {
      const created = await cp.client.create(pods, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `${app}-${i}`, namespace: NS, labels: { app } },
        spec: { containers: [{ name: 'c', image: 'nginx', resources }] },
      });
      await cp.client.update(pods, {
        ...created,
        status: { phase: 'Running', startTime: longAgo, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: longAgo }] },
      }, { subresource: 'status' });
    }
  }

  async function makeHpa(app: string, min = 1, max = 10) {
    await cp.client.create(hpaType, {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: app, namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app }, minReplicas: min, maxReplicas: max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    });
  }

  const replicas = async (app: string) => ((await cp.client.get(deployments, NS, app)) as { spec?: { replicas?: number } }).spec?.replicas;
  const hpa = async (app: string) => (await cp.client.get(hpaType, NS, app)) as unknown as HorizontalPodAutoscaler;
  const condition = async (app: string, type: string) => (await hpa(app)).status?.conditions?.find((c) => c.type === type);
  const eventsAbout = async (app: string) =>
    (await cp.client.list(events, { namespace: NS, fieldSelector: `involvedObject.name=${app},involvedObject.kind=HorizontalPodAutoscaler` })).items as Array<KObject & { reason?: string; message?: string; type?: string }>;

  before(async () => {
    cp = await startBareControlPlane();
    await runHpaController({ client: cp.client, metrics: metrics.source, syncPeriodMs: 40, now: clock.now }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  it('scales a Deployment up under high usage, holds it within the downscale window and scales it down after', async () => {
    await makeApp('web', { replicas: 2, pods: 2, request: '100m' });
    metrics.usage.set('web-0', 90).set('web-1', 90);
    await makeHpa('web');

    // 90% of request against 50%: ceil(1.8 x 2 ready pods) = 4.
    await eventually(async () => (await replicas('web')) === 4, 5000, 'scale-up to 4');
    const up = await eventually(async () => {
      const h = await hpa('web');
      return h.status?.desiredReplicas === 4 && h.status.currentMetrics ? h : undefined;
    });
    assert.ok(up.status?.lastScaleTime);
    assert.deepEqual(up.status?.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } }]);
    const kinds = up.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]);
    assert.deepEqual(kinds?.[1], ['ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)']);
    assert.deepEqual(kinds?.[2], ['ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range']);
    const rescaled = await eventually(async () => (await eventsAbout('web')).find((e) => e.reason === 'SuccessfulRescale'));
    assert.equal(rescaled.type, 'Normal');
    assert.equal(rescaled.message, 'New size: 4; reason: cpu resource utilization (percentage of request) above target');

    // Usage drops: the recommendation is 1, but 4 was recommended within the last 5 minutes.
    metrics.usage.set('web-0', 10).set('web-1', 10);
    const held = await eventually(async () => {
      const c = await condition('web', 'AbleToScale');
      return c?.reason === 'ScaleDownStabilized' ? c : undefined;
    });
    assert.equal(held.message, 'recent recommendations were higher than current one, applying the highest recent recommendation');
    assert.equal(await replicas('web'), 4);

    clock.advanceNow(301_000);
    await eventually(async () => (await replicas('web')) === 1, 5000, 'scale-down to 1');
    await eventually(async () => (await eventsAbout('web')).some((e) => e.message === 'New size: 1; reason: All metrics below target'));
  });

  it('does not scale when a container has no CPU request: ScalingActive False, FailedGetResourceMetric', async () => {
    await makeApp('norq', { replicas: 3, pods: 2 });
    metrics.usage.set('norq-0', 500).set('norq-1', 500);
    await makeHpa('norq');
    const c = await eventually(async () => {
      const s = await condition('norq', 'ScalingActive');
      return s?.status === 'False' ? s : undefined;
    });
    assert.equal(c.reason, 'FailedGetResourceMetric');
    assert.match(c.message ?? '', /^the HPA was unable to compute the replica count: missing request for cpu in container c of Pod norq-[01]$/);
    const warned = await eventually(async () => (await eventsAbout('norq')).find((e) => e.reason === 'FailedGetResourceMetric'));
    assert.equal(warned.type, 'Warning');
    assert.equal((await condition('norq', 'AbleToScale'))?.reason, 'SucceededGetScale');
    assert.equal(await replicas('norq'), 3);
  });

  it('holds the target when metrics are unavailable: no scale-down on missing data', async () => {
    await makeApp('dark', { replicas: 5, pods: 2, request: '100m' });
    metrics.down.add('app=dark');
    await makeHpa('dark');
    const c = await eventually(async () => {
      const s = await condition('dark', 'ScalingActive');
      return s?.status === 'False' ? s : undefined;
    });
    assert.equal(c.reason, 'FailedGetResourceMetric');
    assert.match(c.message ?? '', /unable to get metrics for resource cpu: the server is currently unable/);
    await new Promise((r) => setTimeout(r, 200)); // several sync periods
    assert.equal(await replicas('dark'), 5);
    assert.equal((await hpa('dark')).status?.currentReplicas, 5);
  });

  it('brings a target above maxReplicas down to it, whatever the metrics say', async () => {
    await makeApp('big', { replicas: 9, pods: 1, request: '100m' });
    metrics.usage.set('big-0', 100);
    await makeHpa('big', 1, 6);
    await eventually(async () => (await replicas('big')) === 6);
    await eventually(async () => (await eventsAbout('big')).some((e) => e.message === 'New size: 6; reason: Current number of replicas above Spec.MaxReplicas'));
  });
});
