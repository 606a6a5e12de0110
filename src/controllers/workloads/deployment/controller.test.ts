import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import { startBareControlPlane, type BareControlPlane } from '../../../../test/support/bare-control-plane.js';
import { runReplicaSetController } from '../replicaset.js';
import { runDeploymentController } from './controller.js';
import type { KObject } from '../../../registry/types.js';
import { deploymentsType, podsType, replicaSetsType } from '../resources.js';
import { eventually, expectEvents, listPods, setPodRunning } from '../test-support.js';

const ns = 'default';
const live = (p: KObject) => !p.metadata.deletionTimestamp;
const ready = (p: KObject) => ((p.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

function deployment(name: string, replicas: number, image: string, extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } }, ...extra },
  };
}

/** What `kubectl rollout status` would print next for this Deployment. */
function rolloutStatus(d: KObject): string {
  const s = (d.status ?? {}) as DeploymentStatus;
  const want = (d.spec as { replicas: number }).replicas;
  const name = d.metadata.name;
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return 'Waiting for deployment spec update to be observed...';
  if (s.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')) return `error: deployment "${name}" exceeded its progress deadline`;
  if ((s.updatedReplicas ?? 0) < want) return `Waiting for deployment "${name}" rollout to finish: ${s.updatedReplicas ?? 0} out of ${want} new replicas have been updated...`;
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas are pending termination...`;
  if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${s.updatedReplicas ?? 0} updated replicas are available...`;
  return `deployment "${name}" successfully rolled out`;
}

const condition = (d: KObject, type: string) => ((d.status ?? {}) as DeploymentStatus).conditions?.find((c) => c.type === type);

describe('Deployment controller', () => {
  let cp: BareControlPlane;
  // A bare control plane: no scheduler binding these pods, no second copy of these controllers.
  const stop = new AbortController();
  before(async () => {
    cp = await startBareControlPlane();
    await runReplicaSetController({ client: cp.client }, stop.signal);
    await runDeploymentController({ client: cp.client }, stop.signal);
  });
  after(async () => {
    stop.abort();
    await cp.close();
  });

  const getD = (name: string) => cp.client.get(deploymentsType, ns, name);
  const setsOf = async (d: KObject) => (await cp.client.list(replicaSetsType, { namespace: ns })).items.filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === d.metadata.uid);
  const podsOfSet = (rs: KObject) => listPods(cp.client, ns, (p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && live(p));
  /** Plays the kubelet: every pod of the Deployment turns ready, one at a time. */
  async function readyAll(name: string, max = Infinity): Promise<void> {
    let n = 0;
    for (const p of await listPods(cp.client, ns, (p) => p.metadata.labels?.app === name && live(p) && !ready(p))) {
      if (n++ >= max) return;
      await setPodRunning(cp.client, p);
    }
  }
  async function rollOut(name: string): Promise<KObject> {
    return eventually(async () => {
      await readyAll(name);
      const d = await getD(name);
      return rolloutStatus(d) === `deployment "${name}" successfully rolled out` ? d : false;
    }, `${name} rolled out`);
  }

  it('creates a ReplicaSet named after the template hash, its pods, and the status rollout status reads', async () => {
    await cp.client.create(deploymentsType, deployment('web', 3, 'nginx:1.26'));
    const d0 = await eventually(async () => {
      const d = await getD('web');
      return (d.status as DeploymentStatus | undefined)?.replicas === 3 ? d : false;
    }, 'three replicas');
    assert.equal(rolloutStatus(d0), 'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...');
    assert.equal(condition(d0, 'Available')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(condition(d0, 'Available')?.message, 'Deployment does not have minimum availability.');
    const [rs] = await setsOf(d0);
    const hash = rs.metadata.labels!['pod-template-hash'];
    assert.match(hash, /^[b-z2-9]+$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.deepEqual((rs.spec as { selector: unknown }).selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d0.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(d0.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const pods = await podsOfSet(rs);
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.metadata.labels?.['pod-template-hash'] === hash && p.metadata.name!.startsWith(`web-${hash}-`)));

    const d = await rollOut('web');
    const s = d.status as DeploymentStatus;
    assert.deepEqual({ replicas: s.replicas, updatedReplicas: s.updatedReplicas, readyReplicas: s.readyReplicas, availableReplicas: s.availableReplicas, observedGeneration: s.observedGeneration }, { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
    ]);
    await expectEvents(cp.client, ns, 'web', (e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set web-${hash} from 0 to 3` && e.source?.component === 'deployment-controller');
  });

  it('rolls a template change within maxSurge and maxUnavailable at every step', async () => {
    await cp.client.create(deploymentsType, deployment('roll', 4, 'nginx:1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    await rollOut('roll');
    const pods = new Map<string, KObject>();
    const violations: string[] = [];
    let sawAllReady = false;
    const watching = new AbortController();
    await cp.client.watch(podsType, { namespace: ns }, {
      onEvent: (ev) => {
        if (ev.object.metadata.labels?.app !== 'roll') return;
        if (ev.type === 'DELETED' || !live(ev.object)) pods.delete(ev.object.metadata.name!);
        else pods.set(ev.object.metadata.name!, ev.object);
        const all = [...pods.values()];
        if (all.length > 5) violations.push(`${all.length} pods exceed replicas + maxSurge`);
        const up = all.filter(ready).length;
        // The replay of the rolled-out state brings all four ready; from then on at most one may be missing.
        if (up === 4) sawAllReady = true;
        if (sawAllReady && up < 3) violations.push(`only ${up} ready pods`);
      },
    }, watching.signal);
    await cp.client.patch(deploymentsType, ns, 'roll', { type: 'merge', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:2' }] } } } } });
    const seen = new Set<string>();
    await eventually(async () => {
      // Let the controllers settle before the next pod turns ready, so every step is visible.
      await new Promise((r) => setTimeout(r, 60));
      await readyAll('roll', 1);
      const d = await getD('roll');
      seen.add(rolloutStatus(d));
      return rolloutStatus(d) === 'deployment "roll" successfully rolled out' && (d.status as DeploymentStatus).observedGeneration === 2 ? d : false;
    }, 'rolled to nginx:2', 15000);
    watching.abort();
    assert.ok(sawAllReady);
    assert.deepEqual(violations, []);
    assert.ok([...seen].some((line) => /out of 4 new replicas have been updated/.test(line)), [...seen].join('\n'));
    const d = await getD('roll');
    const sets = await setsOf(d);
    assert.equal(sets.length, 2);
    const [oldRS, newRS] = [...sets].sort((a, b) => Number(a.metadata.annotations!['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations!['deployment.kubernetes.io/revision']));
    assert.equal((oldRS.spec as { replicas: number }).replicas, 0);
    assert.equal((newRS.spec as { replicas: number }).replicas, 4);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    const images = (await listPods(cp.client, ns, (p) => p.metadata.labels?.app === 'roll' && live(p))).map((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0].image);
    assert.deepEqual(images, ['nginx:2', 'nginx:2', 'nginx:2', 'nginx:2']);
    await expectEvents(cp.client, ns, 'roll', (e) => e.message === `Scaled down replica set ${oldRS.metadata.name} from 4 to 3`);
  });

  it('rolling back to an earlier template reuses its ReplicaSet under the next revision', async () => {
    const before = await setsOf(await getD('roll'));
    const first = before.find((rs) => rs.metadata.annotations!['deployment.kubernetes.io/revision'] === '1')!;
    // `kubectl rollout undo` copies the old ReplicaSet's template (without its hash label) into the Deployment.
    await cp.client.patch(deploymentsType, ns, 'roll', { type: 'merge', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1' }] } } } } });
    const d = await rollOut('roll');
    const sets = await setsOf(d);
    assert.equal(sets.length, 2, 'no third ReplicaSet');
    const reused = sets.find((rs) => rs.metadata.uid === first.metadata.uid)!;
    assert.equal(reused.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal((reused.spec as { replicas: number }).replicas, 4);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  });

  it('does not roll out while paused, and does once resumed', async () => {
    await cp.client.patch(deploymentsType, ns, 'web', { type: 'merge', body: { spec: { paused: true } } });
    await eventually(async () => condition(await getD('web'), 'Progressing')?.reason === 'DeploymentPaused', 'paused condition');
    const d = await getD('web');
    assert.deepEqual([condition(d, 'Progressing')?.status, condition(d, 'Progressing')?.message], ['Unknown', 'Deployment is paused']);
    // `kubectl rollout restart` is a template annotation.
    await cp.client.patch(deploymentsType, ns, 'web', { type: 'merge', body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } } });
    await eventually(async () => ((await getD('web')).status as DeploymentStatus).observedGeneration === 3, 'generation observed');
    assert.equal((await setsOf(d)).length, 1, 'no new ReplicaSet while paused');
    await cp.client.patch(deploymentsType, ns, 'web', { type: 'merge', body: { spec: { paused: false } } });
    const done = await rollOut('web');
    assert.equal((await setsOf(done)).length, 2);
    assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  });

  it('scales the current ReplicaSet when only spec.replicas changes', async () => {
    await cp.client.patch(deploymentsType, ns, 'web', { type: 'merge', body: { spec: { replicas: 5 } } });
    const d = await rollOut('web');
    assert.equal((d.status as DeploymentStatus).replicas, 5);
    const current = (await setsOf(d)).find((rs) => rs.metadata.annotations!['deployment.kubernetes.io/revision'] === '2')!;
    assert.equal(current.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '5');
    await expectEvents(cp.client, ns, 'web', (e) => e.message === `Scaled up replica set ${current.metadata.name} from 3 to 5`);
  });

  it('reports ProgressDeadlineExceeded when pods never become ready', async () => {
    await cp.client.create(deploymentsType, deployment('stuck', 1, 'nginx', { progressDeadlineSeconds: 1 }));
    const d = await eventually(async () => {
      const d = await getD('stuck');
      return condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? d : false;
    }, 'deadline exceeded', 6000);
    const [rs] = await setsOf(d);
    assert.equal(condition(d, 'Progressing')?.status, 'False');
    assert.equal(condition(d, 'Progressing')?.message, `ReplicaSet "${rs.metadata.name}" has timed out progressing.`);
    assert.equal(rolloutStatus(d), 'error: deployment "stuck" exceeded its progress deadline');
  });

  it('Recreate removes every old pod before creating new ones', async () => {
    await cp.client.create(deploymentsType, deployment('db', 2, 'postgres:15', { strategy: { type: 'Recreate' } }));
    await rollOut('db');
    const imageOf = (p: KObject) => (p.spec as { containers: Array<{ image: string }> }).containers[0].image;
    const live15 = new Set<string>();
    let overlap = false;
    const watching = new AbortController();
    await cp.client.watch(podsType, { namespace: ns }, {
      onEvent: (ev) => {
        if (ev.object.metadata.labels?.app !== 'db') return;
        const name = ev.object.metadata.name!;
        if (imageOf(ev.object) === 'postgres:15') {
          if (ev.type === 'DELETED') live15.delete(name);
          else live15.add(name);
        } else if (ev.type === 'ADDED' && live15.size > 0) overlap = true;
      },
    }, watching.signal);
    const [oldRS] = await setsOf(await getD('db'));
    await cp.client.patch(deploymentsType, ns, 'db', { type: 'merge', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'postgres:16' }] } } } } });
    const d = await rollOut('db');
    watching.abort();
    assert.equal(overlap, false, 'a new pod appeared while an old one was still there');
    const images = (await listPods(cp.client, ns, (p) => p.metadata.labels?.app === 'db' && live(p))).map(imageOf);
    assert.deepEqual(images, ['postgres:16', 'postgres:16']);
    const newRS = (await setsOf(d)).find((rs) => rs.metadata.uid !== oldRS.metadata.uid)!;
    await expectEvents(cp.client, ns, 'db', (e) => e.message === `Scaled down replica set ${oldRS.metadata.name} from 2 to 0`);
    await expectEvents(cp.client, ns, 'db', (e) => e.message === `Scaled up replica set ${newRS.metadata.name} from 0 to 2`);
  });
});
