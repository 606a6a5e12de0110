import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { ProbeManager, type ProbeEvent, type ProbeResultChange, type RunningContainer } from './prober.js';
import type { ProbeAttempt, ProbeKind } from './types.js';
import { fakeClock } from '../../../test/support/fake-clock.js';

const T0 = 1_700_000_000_000;
type Script = Partial<Record<ProbeKind, Array<ProbeAttempt['result']>>>;

function setup(script: Script = {}) {
  const clock = fakeClock(T0);
  const attempts: Array<{ kind: ProbeKind; at: number; id: string }> = [];
  const results: ProbeResultChange[] = [];
  const events: ProbeEvent[] = [];
  // Each kind answers from its script in order; the last answer repeats.
  const m = new ProbeManager({
    runtime: { execSync: () => Promise.reject(new Error('no exec here')) },
    clock,
    onResult: (r) => results.push(r),
    onEvent: (e) => events.push(e),
    random: () => 0.5,
    runProbe: async (kind, _probe, target) => {
      attempts.push({ kind, at: (clock.now() - T0) / 1000, id: target.containerId });
      const list = script[kind] ?? ['success'];
      const result = list.length > 1 ? list.shift()! : list[0]!;
      return { result, output: result === 'failure' ? 'HTTP probe failed with statuscode: 500' : 'ok' };
    },
  });
  const times = (kind: ProbeKind) => attempts.filter((a) => a.kind === kind).map((a) => a.at);
  return { clock, m, attempts, results, events, times };
}

const probe = (p: Probe = {}): Probe => ({ httpGet: { port: 8080, path: '/' }, ...p });
const podOf = (extra: Partial<Pod['metadata']> = {}, restartPolicy = 'Always'): Pod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1', ...extra },
  spec: { restartPolicy, terminationGracePeriodSeconds: 30, containers: [] },
});
const running = (spec: Partial<Container>, id = 'c1', startedAtMs = T0): RunningContainer => ({
  name: 'app',
  id,
  startedAtMs,
  podIP: '10.42.0.5',
  spec: { name: 'app', image: 'app:1', ...spec },
});

describe('probe manager scheduling', () => {
  it('waits out the initial delay, then probes every period; readiness is false until a success', async () => {
    const { clock, m, times, results } = setup({ readiness: ['failure', 'success'] });
    m.sync('default/web', podOf(), [running({ readinessProbe: probe({ initialDelaySeconds: 5, periodSeconds: 10 }) })]);
    assert.equal(m.isStarted('default/web', 'app'), true, 'no startup probe: started at once');
    assert.equal(m.isReady('default/web', 'app'), false, 'a readiness probe exists: not ready before it succeeds');
    await clock.advance(4_999);
    assert.deepEqual(times('readiness'), []);
    await clock.advance(1);
    assert.deepEqual(times('readiness'), [5]);
    assert.equal(m.isReady('default/web', 'app'), false);
    assert.equal(results.length, 0, 'failure was already the stored result: no change reported');
    await clock.advance(10_000);
    assert.deepEqual(times('readiness'), [5, 15]);
    assert.equal(m.isReady('default/web', 'app'), true);
    assert.deepEqual(results.map((r) => [r.kind, r.result, r.containerId]), [['readiness', 'success', 'c1']]);
    await clock.advance(30_000);
    assert.deepEqual(times('readiness'), [5, 15, 25, 35, 45]);
    m.stop();
  });

  it('counts consecutive results against the thresholds', async () => {
    const { clock, m, results } = setup({ readiness: ['success', 'failure', 'success', 'success', 'failure', 'failure', 'failure', 'failure'] });
    m.sync('default/web', podOf(), [running({ readinessProbe: probe({ periodSeconds: 1, successThreshold: 2, failureThreshold: 3 }) })]);
    await clock.advance(0); // t=0: success (1 of 2)
    assert.equal(m.isReady('default/web', 'app'), false);
    await clock.advance(1_000); // failure breaks the run
    await clock.advance(1_000); // success (1 of 2)
    assert.equal(m.isReady('default/web', 'app'), false);
    await clock.advance(1_000); // success (2 of 2)
    assert.equal(m.isReady('default/web', 'app'), true);
    await clock.advance(2_000); // two failures: not yet
    assert.equal(m.isReady('default/web', 'app'), true);
    await clock.advance(1_000); // the third
    assert.equal(m.isReady('default/web', 'app'), false);
    assert.deepEqual(results.map((r) => r.result), ['success', 'failure']);
    assert.equal(results[1]!.message, 'Readiness probe failed: HTTP probe failed with statuscode: 500');
    m.stop();
  });

  it('a liveness failure asks for a restart once; a new container instance is probed afresh', async () => {
    const { clock, m, times, results, events, attempts } = setup({ liveness: ['failure', 'failure', 'failure', 'success'] });
    const spec = { livenessProbe: probe({ periodSeconds: 10, failureThreshold: 3, initialDelaySeconds: 3 }) };
    m.sync('default/web', podOf(), [running(spec)]);
    await clock.advance(22_000);
    assert.deepEqual(times('liveness'), [3, 13]);
    assert.equal(m.restartFor('default/web', 'app'), undefined, 'two failures of three');
    await clock.advance(10_000);
    assert.deepEqual(m.restartFor('default/web', 'app'), {
      containerId: 'c1',
      kind: 'liveness',
      message: 'Container app failed liveness probe, will be restarted',
      gracePeriodSeconds: 30,
    });
    assert.deepEqual(results.map((r) => [r.kind, r.result, r.message]), [['liveness', 'failure', 'Liveness probe failed: HTTP probe failed with statuscode: 500']]);
    assert.equal(events.length, 3, 'every failed attempt is an Unhealthy event');
    assert.deepEqual({ ...events[0] }, { podKey: 'default/web', container: 'app', containerId: 'c1', type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' });
    await clock.advance(60_000);
    assert.deepEqual(times('liveness'), [3, 13, 23], 'a container to be restarted is not probed again');
    assert.equal(m.isReady('default/web', 'app'), true, 'liveness alone does not decide readiness');

    // The pod sync killed it and started another instance now (t=92s): its own initial delay applies.
    m.sync('default/web', podOf(), [running(spec, 'c2', clock.now())]);
    assert.equal(m.restartFor('default/web', 'app'), undefined);
    await clock.advance(13_000);
    assert.deepEqual(times('liveness'), [3, 13, 23, 95, 105]);
    assert.equal(attempts.at(-1)?.id, 'c2');
    m.stop();
  });

  it('holds liveness and readiness back until the startup probe succeeds, which then stops', async () => {
    const { clock, m, times, results } = setup({ startup: ['failure', 'failure', 'success'], readiness: ['success'], liveness: ['success'] });
    m.sync('default/web', podOf(), [
      running({
        startupProbe: probe({ periodSeconds: 5, failureThreshold: 10 }),
        livenessProbe: probe({ periodSeconds: 10 }),
        readinessProbe: probe({ periodSeconds: 10 }),
      }),
    ]);
    assert.equal(m.isStarted('default/web', 'app'), false);
    await clock.advance(9_000);
    assert.deepEqual(times('startup'), [0, 5]);
    assert.deepEqual(times('liveness'), []);
    assert.deepEqual(times('readiness'), []);
    assert.equal(m.isReady('default/web', 'app'), false);
    await clock.advance(1_000); // t=10: startup succeeds; readiness runs at once, liveness at its tick
    assert.equal(m.isStarted('default/web', 'app'), true);
    assert.equal(m.isReady('default/web', 'app'), true);
    assert.deepEqual(times('readiness'), [10]);
    await clock.advance(30_000);
    assert.deepEqual(times('startup'), [0, 5, 10], 'never again after it succeeded');
    // Liveness was not nudged: it runs at its own next tick, at 10 or 20 depending on which timer fired first.
    const live = times('liveness');
    assert.ok(live[0]! >= 10 && live.every((t, i) => i === 0 || t - live[i - 1]! === 10), `liveness at ${live}`);
    assert.deepEqual(times('readiness'), [10, 20, 30, 40]);
    assert.deepEqual(results.map((r) => `${r.kind}:${r.result}`), ['startup:success', 'readiness:success']);
    m.stop();
  });

  it('a startup probe that reaches its failure threshold asks for a restart; the probe grace period wins', async () => {
    const { clock, m, times } = setup({ startup: ['failure'] });
    const startupProbe = probe({ periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 5 });
    m.sync('default/web', podOf({}, 'Never'), [running({ startupProbe, livenessProbe: probe() })]);
    await clock.advance(5_000);
    assert.deepEqual(times('startup'), [0, 1]);
    assert.deepEqual(times('liveness'), []);
    assert.deepEqual(m.restartFor('default/web', 'app'), {
      containerId: 'c1',
      kind: 'startup',
      message: 'Container app failed startup probe',
      gracePeriodSeconds: 5,
    });
    assert.equal(m.isStarted('default/web', 'app'), false);
    m.stop();
  });

  it('a container without probes is started and ready while it runs, and not once it is gone', async () => {
    const { m } = setup();
    m.sync('default/web', podOf(), [running({})]);
    assert.equal(m.isStarted('default/web', 'app'), true);
    assert.equal(m.isReady('default/web', 'app'), true);
    m.sync('default/web', podOf(), []);
    assert.equal(m.isReady('default/web', 'app'), false);
    assert.equal(m.isStarted('default/web', 'app'), false);
    assert.equal(m.isReady('default/other', 'app'), false);
  });

  it('stops probing a container that exited, a pod removed, and everything on stop()', async () => {
    const { clock, m, times } = setup();
    const spec = { readinessProbe: probe({ periodSeconds: 1 }) };
    m.sync('default/web', podOf(), [running(spec)]);
    m.sync('default/db', podOf({ name: 'db' }), [running(spec, 'd1')]);
    m.sync('default/ok', podOf({ name: 'ok' }), [running(spec, 'o1')]);
    await clock.advance(1_000);
    assert.equal(times('readiness').length, 6);
    m.sync('default/web', podOf(), []); // exited
    m.remove('default/db');
    await clock.advance(2_000);
    assert.equal(times('readiness').length, 8, 'only default/ok is still probed');
    m.stop();
    await clock.advance(5_000);
    assert.equal(times('readiness').length, 8);
    assert.equal(clock.pending(), 0, 'no timer left behind');
  });

  it('while the pod is deleted, liveness neither runs nor restarts; readiness goes on', async () => {
    const { clock, m, times } = setup({ liveness: ['failure'], readiness: ['failure'] });
    const spec = { livenessProbe: probe({ periodSeconds: 1, failureThreshold: 1 }), readinessProbe: probe({ periodSeconds: 1 }) };
    m.sync('default/web', podOf(), [running(spec)]);
    await clock.advance(0);
    assert.ok(m.restartFor('default/web', 'app'));
    m.sync('default/web', podOf({ deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 10 }), [running(spec)]);
    assert.equal(m.restartFor('default/web', 'app'), undefined);
    await clock.advance(3_000);
    assert.deepEqual(times('liveness'), [0]);
    assert.deepEqual(times('readiness'), [0, 1, 2, 3]);
    m.stop();
  });

  it('errored attempts count neither way but are reported', async () => {
    const { clock, m, events } = setup({ liveness: ['unknown'] });
    m.sync('default/web', podOf(), [running({ livenessProbe: probe({ periodSeconds: 1, failureThreshold: 1 }) })]);
    await clock.advance(3_000);
    assert.equal(m.restartFor('default/web', 'app'), undefined);
    assert.equal(events.length, 4);
    assert.equal(events[0]!.message, 'Liveness probe errored and resulted in unknown state: ok');
    m.stop();
  });

  it('spreads the first probes of containers that were running before the manager started', async () => {
    const { clock, m, times } = setup();
    m.sync('default/web', podOf(), [running({ readinessProbe: probe({ periodSeconds: 10 }) }, 'c1', T0 - 3_600_000)]);
    await clock.advance(4_999);
    assert.deepEqual(times('readiness'), []);
    await clock.advance(1);
    assert.deepEqual(times('readiness'), [5], 'half a period, as random() said');
    m.stop();
  });
});
