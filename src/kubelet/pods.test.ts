import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { getPod, podManifest, startFixture, waitFor, type KubeletFixture } from './test-support.js';
import { podsType } from './pod-sync.js';
import { hasReason } from '../client/types.js';

const eventsType = { group: '', version: 'v1', resource: 'events' };

async function logOf(f: KubeletFixture, pod: string, container: string, previous = false): Promise<string> {
  const ref = f.kubelet.findContainer('default', pod, container, { previous });
  if (typeof ref === 'string') throw new Error(ref);
  let out = '';
  for await (const chunk of f.runtime.readLog(ref.id, {}, new AbortController().signal)) out += chunk;
  return out;
}

async function eventsFor(f: KubeletFixture, pod: string): Promise<string[]> {
  const list = await f.plane.client.list(eventsType, { namespace: 'default' });
  return list.items.filter((e) => (e.involvedObject as { name: string }).name === pod).map((e) => `${e.reason}: ${e.message}`);
}

const phaseIs = (f: KubeletFixture, name: string, phase: string) =>
  waitFor(`${name} ${phase}`, async () => {
    const p = await getPod(f.plane, name);
    return p.status?.phase === phase ? p : undefined;
  });

describe('pods on the simulated runtime', () => {
  let f: KubeletFixture;
  before(async () => {
    f = await startFixture({}, { podCIDR: '10.42.1.0/24' });
  });
  after(async () => {
    await f.stop();
  });

  test('a pod goes Pending → Running with an address from the podCIDR, Ready, and the kubelet events', async () => {
    const seen: string[] = [];
    const ac = new AbortController();
    await f.plane.client.watch(podsType, { namespace: 'default', fieldSelector: 'metadata.name=web' }, { onEvent: (ev) => seen.push(`${(ev.object.status as Pod['status'])?.phase}/${(ev.object.status as Pod['status'])?.containerStatuses?.[0]?.state?.waiting?.reason ?? ''}`) }, ac.signal);
    await f.plane.client.create(podsType, podManifest('web', { containers: [{ name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }] }));
    const pod = await waitFor('web ready', async () => {
      const p = await getPod(f.plane, 'web');
      return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
    });
    ac.abort();
    assert.ok(seen.includes('Pending/ContainerCreating'), `saw ${seen}`);
    const s = pod.status!;
    assert.equal(s.phase, 'Running');
    assert.match(s.podIP!, /^10\.42\.1\.(\d+)$/);
    assert.notEqual(s.podIP, '10.42.1.1');
    assert.deepEqual(s.podIPs, [{ ip: s.podIP }]);
    assert.equal(s.hostIP, '192.168.5.10');
    assert.deepEqual(s.hostIPs, [{ ip: '192.168.5.10' }]);
    assert.ok(s.startTime);
    assert.equal(s.qosClass, 'BestEffort');
    assert.deepEqual(s.conditions!.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    const c = s.containerStatuses![0]!;
    assert.equal(c.name, 'nginx');
    assert.equal(c.ready, true);
    assert.equal(c.started, true);
    assert.equal(c.restartCount, 0);
    assert.equal(c.image, 'docker.io/library/nginx:1.27');
    assert.match(c.imageID!, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.match(c.containerID!, /^sim:\/\/[0-9a-f]{64}$/);
    assert.ok(c.state?.running?.startedAt);
    const events = await waitFor('events', async () => {
      const ev = await eventsFor(f, 'web');
      return ev.length >= 3 ? ev : undefined;
    });
    assert.deepEqual(events.sort(), ['Created: Created container: nginx', 'Pulled: Container image "nginx:1.27" already present on machine', 'Started: Started container nginx']);
  });

  test('restartPolicy Never: `echo hi` Succeeds with log "hi"; exit 1 Fails', async () => {
    await f.plane.client.create(podsType, podManifest('job-ok', { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['echo', 'hi'] }] }));
    await f.plane.client.create(podsType, podManifest('job-bad', { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo oops; exit 1'] }] }));
    const ok = await phaseIs(f, 'job-ok', 'Succeeded');
    const t = ok.status!.containerStatuses![0]!.state!.terminated!;
    assert.equal(t.exitCode, 0);
    assert.equal(t.reason, 'Completed');
    assert.equal(await logOf(f, 'job-ok', 'main'), 'hi\n');
    const cond = Object.fromEntries(ok.status!.conditions!.map((c) => [c.type, `${c.status}/${c.reason ?? ''}`]));
    assert.deepEqual(cond, { PodReadyToStartContainers: 'False/', Initialized: 'True/PodCompleted', Ready: 'False/PodCompleted', ContainersReady: 'False/PodCompleted', PodScheduled: 'True/' });

    const bad = await phaseIs(f, 'job-bad', 'Failed');
    assert.equal(bad.status!.containerStatuses![0]!.state!.terminated!.exitCode, 1);
    assert.equal(bad.status!.containerStatuses![0]!.state!.terminated!.reason, 'Error');
  });

  test('restartPolicy Always: a crashing container is restarted with growing back-off (CrashLoopBackOff)', async () => {
    await f.plane.client.create(podsType, podManifest('crash', { containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'echo boom; exit 2'] }] }));
    const looping = await waitFor('CrashLoopBackOff', async () => {
      const p = await getPod(f.plane, 'crash');
      const c = p.status?.containerStatuses?.[0];
      return c?.state?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    });
    const c = looping.status!.containerStatuses![0]!;
    assert.equal(looping.status!.phase, 'Running');
    assert.ok(c.restartCount! >= 1);
    assert.match(c.state!.waiting!.message!, /^back-off \d+ms restarting failed container=app pod=crash_default\(.+\)$/);
    assert.equal(c.lastState?.terminated?.exitCode, 2);
    const later = await waitFor('restartCount >= 3', async () => {
      const p = await getPod(f.plane, 'crash');
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 3 ? p : undefined;
    });
    assert.ok(later);
    assert.equal(await logOf(f, 'crash', 'app', true), 'boom\n');
    const events = await eventsFor(f, 'crash');
    assert.ok(events.some((e) => /^BackOff: Back-off restarting failed container app in pod crash_default\(/.test(e)), events.join('\n'));
  });

  test('restartPolicy OnFailure: a container that succeeds is not restarted', async () => {
    await f.plane.client.create(podsType, podManifest('once', { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'busybox', command: ['true'] }] }));
    const p = await phaseIs(f, 'once', 'Succeeded');
    assert.equal(p.status!.containerStatuses![0]!.restartCount, 0);
  });

  test('init containers run to completion in order before the app starts', async () => {
    await f.plane.client.create(
      podsType,
      podManifest('with-init', {
        initContainers: [
          { name: 'one', image: 'busybox', command: ['sh', '-c', 'sleep 0.1; echo one'] },
          { name: 'two', image: 'busybox', command: ['echo', 'two'] },
        ],
        containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }],
      }),
    );
    const pending = await waitFor('Init running', async () => {
      const p = await getPod(f.plane, 'with-init');
      return p.status?.initContainerStatuses?.[0]?.state?.running ? p : undefined;
    });
    assert.equal(pending.status!.phase, 'Pending');
    assert.equal(pending.status!.conditions!.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [one two]');
    assert.equal(pending.status!.containerStatuses![0]!.state!.waiting!.reason, 'PodInitializing');
    const running = await phaseIs(f, 'with-init', 'Running');
    assert.deepEqual(running.status!.initContainerStatuses!.map((c) => c.state?.terminated?.reason), ['Completed', 'Completed']);
    const one = Date.parse(running.status!.initContainerStatuses![0]!.state!.terminated!.finishedAt!);
    const two = Date.parse(running.status!.initContainerStatuses![1]!.state!.terminated!.startedAt!);
    assert.ok(two >= one - 1000);
  });

  test('a sidecar (an init container with restartPolicy Always) starts first and keeps running beside the app', async () => {
    await f.plane.client.create(
      podsType,
      podManifest('sidecar', {
        initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }],
        containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }],
      }),
    );
    const p = await waitFor('sidecar pod ready', async () => {
      const pod = await getPod(f.plane, 'sidecar');
      return pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? pod : undefined;
    });
    assert.equal(p.status!.phase, 'Running');
    assert.ok(p.status!.initContainerStatuses![0]!.state!.running);
    assert.equal(p.status!.initContainerStatuses![0]!.ready, true);
    assert.ok(p.status!.containerStatuses![0]!.state!.running);
  });

  test('a readinessProbe delays Ready by its initialDelaySeconds', async () => {
    await f.plane.client.create(podsType, podManifest('probed', { containers: [{ name: 'a', image: 'busybox', readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 1 } }] }));
    const running = await phaseIs(f, 'probed', 'Running');
    assert.equal(running.status!.conditions!.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(running.status!.conditions!.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [a]');
    await waitFor('probed Ready', async () => (await getPod(f.plane, 'probed')).status?.containerStatuses?.[0]?.ready === true, 4000);
  });

  test('graceful deletion stops the containers, and the kubelet removes the pod from the API', async () => {
    await f.plane.client.create(podsType, podManifest('bye', { containers: [{ name: 'a', image: 'busybox' }] }));
    const running = await phaseIs(f, 'bye', 'Running');
    await f.plane.client.delete(podsType, 'default', 'bye');
    await waitFor('bye gone', async () => {
      try {
        await getPod(f.plane, 'bye');
        return false;
      } catch (err) {
        return hasReason(err, 'NotFound');
      }
    });
    const events = await eventsFor(f, 'bye');
    assert.ok(events.includes('Killing: Stopping container a'), events.join('\n'));
    // The address is free again for the next pod.
    assert.ok(running.status?.podIP);
  });

  test('a container ignoring SIGTERM is killed after the grace period', async () => {
    await f.plane.client.create(podsType, podManifest('stubborn', { terminationGracePeriodSeconds: 1, containers: [{ name: 'a', image: 'busybox' }] }, { annotations: { 'sim.k3ts.io/ignore-sigterm': 'true' } }));
    await phaseIs(f, 'stubborn', 'Running');
    const t0 = Date.now();
    await f.plane.client.delete(podsType, 'default', 'stubborn');
    await waitFor('stubborn gone', async () => getPod(f.plane, 'stubborn').then(() => false, (err) => hasReason(err, 'NotFound')));
    assert.ok(Date.now() - t0 >= 900, 'waited for the grace period');
  });

  test('downward API, ConfigMap and Secret env, and $(VAR) expansion reach the container', async () => {
    await f.plane.client.create({ group: '', version: 'v1', resource: 'configmaps' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { greeting: 'hello', '9lives': 'x' } });
    await f.plane.client.create({ group: '', version: 'v1', resource: 'secrets' }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'default' }, data: { token: Buffer.from('s3cret').toString('base64') } });
    await f.plane.client.create(
      podsType,
      podManifest(
        'env',
        {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sh', '-c', 'echo $MY_NODE_NAME $(MY_POD_NAME) $GREETING $TOKEN $CPU_LIMIT $APP $COMBINED'],
              resources: { limits: { cpu: '500m', memory: '64Mi' } },
              envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { configMapRef: { name: 'cfg' } }],
              env: [
                { name: 'MY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'MY_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
                { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'token' } } },
                { name: 'MISSING', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
                { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
                { name: 'COMBINED', value: '$(MY_POD_NAME)@$(MY_NODE_NAME)-$$(LITERAL)-$(UNDEFINED)' },
              ],
            },
          ],
        },
        { labels: { app: 'demo' } },
      ),
    );
    const done = await phaseIs(f, 'env', 'Succeeded');
    assert.equal(await logOf(f, 'env', 'main'), 'node-a env hello s3cret 500 demo env@node-a-$(LITERAL)-$(UNDEFINED)\n');
    const started = f.kubelet.containerEnv('default', 'env', 'main');
    assert.ok(typeof started !== 'string');
    const env = Object.fromEntries(started.env.map((e) => [e.name, e.value]));
    assert.equal(env.MY_POD_IP, done.status!.podIP);
    assert.equal(env.CFG_greeting, 'hello');
    assert.equal(env.CFG_9lives, 'x');
    assert.equal('9lives' in env, false, 'not a valid variable name');
    assert.equal('MISSING' in env, false);
  });

  test('a missing ConfigMap keeps the container in CreateContainerConfigError until it appears', async () => {
    await f.plane.client.create(podsType, podManifest('needs-cfg', { containers: [{ name: 'a', image: 'busybox', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'later', key: 'x' } } }] }] }));
    const waiting = await waitFor('CreateContainerConfigError', async () => {
      const p = await getPod(f.plane, 'needs-cfg');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? p : undefined;
    });
    assert.equal(waiting.status!.containerStatuses![0]!.state!.waiting!.message, 'configmap "later" not found');
    assert.equal(waiting.status!.phase, 'Pending');
    await f.plane.client.create({ group: '', version: 'v1', resource: 'configmaps' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'default' }, data: { x: '1' } });
    await phaseIs(f, 'needs-cfg', 'Running');
  });

  test('exit annotations: exit-after with exit-code fails a Never pod', async () => {
    await f.plane.client.create(podsType, podManifest('timed', { restartPolicy: 'Never', containers: [{ name: 'a', image: 'nginx' }] }, { annotations: { 'sim.k3ts.io/exit-after': '200ms', 'sim.k3ts.io/exit-code': '3' } }));
    const p = await phaseIs(f, 'timed', 'Failed');
    assert.equal(p.status!.containerStatuses![0]!.state!.terminated!.exitCode, 3);
  });

  test('hostNetwork pods take the node IP', async () => {
    await f.plane.client.create(podsType, podManifest('hostnet', { hostNetwork: true, containers: [{ name: 'a', image: 'busybox' }] }));
    const p = await phaseIs(f, 'hostnet', 'Running');
    assert.equal(p.status!.podIP, '192.168.5.10');
  });

  test('a pod deleted out from under the kubelet is stopped and forgotten', async () => {
    await f.plane.client.create(podsType, podManifest('yanked', { containers: [{ name: 'a', image: 'busybox' }] }));
    await phaseIs(f, 'yanked', 'Running');
    const ref = f.kubelet.findContainer('default', 'yanked', 'a');
    assert.ok(typeof ref !== 'string');
    await f.plane.client.delete(podsType, 'default', 'yanked', { gracePeriodSeconds: 0 });
    await waitFor('container stopped', async () => (await f.runtime.containerStatus(ref.id))?.state !== 'running');
    await waitFor('forgotten', async () => typeof f.kubelet.findContainer('default', 'yanked', 'a') === 'string');
  });

  test('an exec liveness probe that fails restarts the container; a failing readiness probe keeps the pod out of Ready', async () => {
    const probe = (command: string[]) => ({ exec: { command }, periodSeconds: 1, failureThreshold: 1 });
    await f.plane.client.create(podsType, podManifest('sick', { containers: [{ name: 'app', image: 'busybox', livenessProbe: probe(['false']) }] }));
    await f.plane.client.create(podsType, podManifest('shy', { containers: [{ name: 'app', image: 'busybox', readinessProbe: probe(['sh', '-c', 'exit 1']) }] }));
    await f.plane.client.create(podsType, podManifest('fine', { containers: [{ name: 'app', image: 'busybox', readinessProbe: probe(['true']) }] }));
    const sick = await waitFor('sick restarted', async () => {
      const p = await getPod(f.plane, 'sick');
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
    }, 15_000);
    assert.equal(sick.status!.containerStatuses![0]!.lastState!.terminated!.exitCode, 143);
    const events = await eventsFor(f, 'sick');
    assert.ok(events.some((e) => e === 'Killing: Container app failed liveness probe, will be restarted'), events.join('\n'));
    assert.ok(events.some((e) => /^Unhealthy: Liveness probe failed: /.test(e)), events.join('\n'));
    await waitFor('fine ready', async () => (await getPod(f.plane, 'fine')).status?.containerStatuses?.[0]?.ready === true);
    const shy = await getPod(f.plane, 'shy');
    assert.equal(shy.status!.phase, 'Running');
    assert.equal(shy.status!.containerStatuses![0]!.ready, false);
    assert.equal(shy.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  });
});
