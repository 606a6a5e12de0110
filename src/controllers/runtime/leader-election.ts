// One holder at a time for loops that must not run twice across servers (controllers, scheduler),
// decided by a Lease in kube-system, with upstream's rules: the holder renews every retry period; the
// others take the lease over once they have seen no renewal for a whole lease duration, timed by
// their own clock (so clocks that disagree between servers cannot steal a live lease); a holder that
// cannot renew within the renew deadline stops its loops before anyone else may start them; a holder
// that stops cleanly releases the lease, so another server takes over at its next retry rather than
// after the lease duration.
import { randomUUID } from 'node:crypto';
import { hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';

const leases: ResourceType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

export interface LeaderElectionOptions {
  client: Client;
  /** The Lease's name in kube-system, e.g. kube-controller-manager. */
  name: string;
  /** This candidate; unique per process (a random suffix is added). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called when this candidate becomes the holder; the loops run until `signal` aborts (leadership
   *  lost or the elector stopped) and the returned promise settles once they have stopped. */
  lead(signal: AbortSignal): Promise<void>;
  onChange?(event: { holder: string; self: boolean }): void;
  /** This candidate stopped its loops while the elector runs on: it could not renew in time, or
   *  another candidate holds the lease. Not called for stop(). */
  onStopped?(event: { reason: string }): void;
  /** A failure of the loops, of releasing the lease, or of reaching the Lease: for the last only
   *  the first of a run of failed attempts (a datastore outage is one report, not one per retry). */
  onError?(err: unknown): void;
  /** The first attempt that reached the Lease after `failures` that did not, over `downMs`. */
  onRecovered?(event: { failures: number; downMs: number }): void;
}

export interface LeaderElector {
  readonly identity: string;
  isLeader(): boolean;
  /** Stops leading (waiting for the loops) and releases the lease if held. */
  stop(): Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function startLeaderElection(o: LeaderElectionOptions): LeaderElector {
  const leaseDurationMs = o.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = o.retryPeriodMs ?? 2_000;
  const identity = `${o.identity}_${randomUUID()}`;
  const stopping = new AbortController();
  // What we last saw and when, by our clock: the lease expires this long after it stopped changing.
  let observed: { record: string; at: number } | undefined;
  let leading: { abort: AbortController; done: Promise<void> } | undefined;
  let lastRenew = 0;
  let lastHolder = '';

  const report = (holder: string) => {
    if (holder === lastHolder) return;
    lastHolder = holder;
    o.onChange?.({ holder, self: holder === identity });
  };

  const startLeading = () => {
    const abort = new AbortController();
    const done = o.lead(abort.signal).catch((err) => o.onError?.(err));
    leading = { abort, done };
  };
  const stopLeading = async () => {
    const l = leading;
    if (!l) return;
    leading = undefined;
    l.abort.abort();
    await l.done;
  };

  /** One attempt to acquire or renew; true when we hold the lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = new Date();
    const mine: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    let current: KObject;
    try {
      current = await o.client.get(leases, 'kube-system', o.name);
    } catch (err) {
      if (!hasReason(err, 'NotFound')) throw err;
      try {
        await o.client.create(leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: o.name, namespace: 'kube-system' }, spec: mine });
      } catch (e) {
        if (hasReason(e, 'AlreadyExists')) return false;
        throw e;
      }
      observed = { record: JSON.stringify(mine), at: Date.now() };
      report(identity);
      return true;
    }
    const spec = (current.spec ?? {}) as LeaseSpec;
    const record = JSON.stringify(spec);
    if (!observed || observed.record !== record) observed = { record, at: Date.now() };
    const holder = spec.holderIdentity ?? '';
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(leaseDurationMs / 1000)) * 1000;
    if (holder && holder !== identity && observed.at + durationMs > Date.now()) {
      report(holder);
      return false;
    }
    const next: LeaseSpec =
      holder === identity
        ? { ...spec, renewTime: mine.renewTime, leaseDurationSeconds: mine.leaseDurationSeconds }
        : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) };
    try {
      // An update, not a patch: it carries the resourceVersion we read, so two candidates taking an
      // expired lease at once cannot both win.
      await o.client.update(leases, { ...current, spec: next });
    } catch (err) {
      if (hasReason(err, 'Conflict') || hasReason(err, 'NotFound')) return false;
      throw err;
    }
    observed = { record: JSON.stringify(next), at: Date.now() };
    report(identity);
    return true;
  };

  const loop = async () => {
    let lastError: unknown;
    let failures = 0;
    let failingSince = 0;
    while (!stopping.signal.aborted) {
      let held = false;
      try {
        held = await tryAcquireOrRenew();
        if (failures > 0) o.onRecovered?.({ failures, downMs: Date.now() - failingSince });
        failures = 0;
      } catch (err) {
        lastError = err;
        if (failures++ === 0) {
          failingSince = Date.now();
          o.onError?.(err);
        }
      }
      if (stopping.signal.aborted) break;
      if (held) {
        lastRenew = Date.now();
        lastError = undefined;
        if (!leading) startLeading();
      } else if (leading && (lastHolder !== identity || Date.now() - lastRenew > renewDeadlineMs)) {
        // Someone else holds it, or we could not renew in time: the loops stop before another
        // server's lease-duration wait can end.
        const reason =
          lastHolder !== identity
            ? `${lastHolder} holds the lease`
            : `could not renew the lease within the renew deadline (${renewDeadlineMs / 1000} s)` + (lastError ? `: ${(lastError as Error)?.message ?? String(lastError)}` : '');
        await stopLeading();
        o.onStopped?.({ reason });
        // Leading again later is a change worth reporting, even if no one else held it meanwhile.
        if (lastHolder === identity) lastHolder = '';
      }
      await sleep(retryPeriodMs, stopping.signal);
    }
  };
  const running = loop();

  const release = async () => {
    try {
      const current = await o.client.get(leases, 'kube-system', o.name);
      const spec = (current.spec ?? {}) as LeaseSpec;
      if (spec.holderIdentity !== identity) return;
      const now = microTime(new Date());
      await o.client.update(leases, { ...current, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
    } catch (err) {
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) o.onError?.(err);
    }
  };

  return {
    identity,
    isLeader: () => leading !== undefined,
    async stop() {
      stopping.abort();
      await running;
      const held = leading !== undefined;
      await stopLeading();
      if (held) await release();
    },
  };
}
