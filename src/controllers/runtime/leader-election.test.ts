import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { eventually } from '../../../test/support/eventually.js';
import { startLeaderElection } from './leader-election.js';

const leases = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

describe('leader election on a Lease', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startTestControlPlane();
  });
  after(() => cp.close());

  const candidate = (name: string, id: string, log: string[]) => {
    let running = 0;
    const elector = startLeaderElection({
      client: cp.client,
      name,
      identity: id,
      leaseDurationMs: 1500,
      renewDeadlineMs: 1000,
      retryPeriodMs: 200,
      lead: async (signal) => {
        running++;
        log.push(`${id} leads`);
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
        running--;
        log.push(`${id} stopped`);
      },
    });
    return { elector, running: () => running };
  };

  it('exactly one candidate leads, and a clean stop hands over at the next retry', async () => {
    const log: string[] = [];
    const a = candidate('test-handover', 'a', log);
    await eventually(() => a.elector.isLeader(), 3000, 'a leads');
    const b = candidate('test-handover', 'b', log);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(b.elector.isLeader(), false, 'b waits while a renews');
    const stoppedAt = Date.now();
    await a.elector.stop();
    assert.equal(a.running(), 0, "a's loops have stopped when stop() resolves");
    await eventually(() => b.elector.isLeader(), 3000, 'b leads');
    assert.ok(Date.now() - stoppedAt < 1200, `took ${Date.now() - stoppedAt} ms: a released the lease, so no lease-duration wait`);
    assert.deepEqual(log, ['a leads', 'a stopped', 'b leads']);
    const lease = await cp.client.get(leases, 'kube-system', 'test-handover');
    const spec = lease.spec as { holderIdentity: string; leaseTransitions: number };
    assert.equal(spec.holderIdentity, b.elector.identity);
    await b.elector.stop();
  });

  it('a holder that stops renewing (as if killed) is replaced after the lease duration, not before', async () => {
    const log: string[] = [];
    const a = candidate('test-expiry', 'a', log);
    await eventually(() => a.elector.isLeader(), 3000, 'a leads');
    // Freeze a's lease as a dead process would leave it: take its record and keep it unchanged by
    // stopping a without releasing (the release is skipped when someone else holds it, so hand the
    // holder to a ghost first).
    const lease = await cp.client.get(leases, 'kube-system', 'test-expiry');
    await cp.client.update(leases, { ...lease, spec: { ...(lease.spec as object), holderIdentity: 'ghost' } });
    await a.elector.stop();
    const b = candidate('test-expiry', 'b', log);
    const started = Date.now();
    await eventually(() => b.elector.isLeader(), 5000, 'b leads');
    const waited = Date.now() - started;
    assert.ok(waited >= 1400, `b took over after ${waited} ms; a silent holder's lease must be waited out`);
    const spec = (await cp.client.get(leases, 'kube-system', 'test-expiry')).spec as { leaseTransitions: number };
    assert.ok(spec.leaseTransitions >= 1, 'the takeover is counted');
    await b.elector.stop();
  });

  it('a holder that cannot renew (datastore away) stops its loops, says why once (and the error once), and leads again afterwards', async () => {
    const log: string[] = [];
    let away = false;
    // The client as it behaves while the datastore is unreachable: every call answers ServerTimeout.
    const client = new Proxy(cp.client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (away) return Promise.reject(Object.assign(new Error('The get operation against leases.coordination.k8s.io could not be completed at this time, please try again.'), { reason: 'ServerTimeout' }));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const events: string[] = [];
    let errors = 0;
    const recovered: number[] = [];
    const elector = startLeaderElection({
      client,
      name: 'test-renew',
      identity: 'a',
      leaseDurationMs: 1500,
      renewDeadlineMs: 1000,
      retryPeriodMs: 200,
      lead: async (signal) => {
        log.push('leads');
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
        log.push('stopped');
      },
      onChange: ({ self }) => events.push(self ? 'leading' : 'led elsewhere'),
      onStopped: ({ reason }) => events.push(`stopped: ${reason}`),
      onError: () => errors++,
      onRecovered: ({ failures }) => recovered.push(failures),
    });
    try {
      await eventually(() => elector.isLeader(), 3000, 'a leads');
      away = true;
      await eventually(() => !elector.isLeader(), 3000, 'a stops leading after the renew deadline');
      assert.deepEqual(log, ['leads', 'stopped']);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(events.filter((e) => e.startsWith('stopped')).length, 1, `said once: ${JSON.stringify(events)}`);
      assert.match(events[1]!, /^stopped: could not renew the lease within the renew deadline \(1 s\): The get operation .* please try again\.$/);
      away = false;
      await eventually(() => elector.isLeader(), 3000, 'a leads again once the datastore is back');
      assert.deepEqual(events, ['leading', events[1], 'leading'], 'leading again is reported');
      assert.deepEqual(log, ['leads', 'stopped', 'leads']);
      // Every 200 ms retry failed for about 1.6 s: one error for the outage, one recovery naming them all.
      assert.equal(errors, 1, 'one error per outage, not one per retry');
      assert.equal(recovered.length, 1);
      assert.ok(recovered[0]! >= 5, `failed attempts counted: ${recovered[0]}`);
    } finally {
      away = false;
      await elector.stop();
    }
  });
});
