// One probe of one container instance: waits out initialDelaySeconds from the container's start,
// then tries every periodSeconds and turns runs of consecutive results into a stored result once
// a threshold is met. Only a change of the stored result is reported; every attempt is offered for
// events. Time comes from an injected clock so the scheduling can be tested without sleeping.
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { ProbeAttempt, ProbeKind } from './types.js';

export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.(); // probes alone must not keep a process alive
    return { cancel: () => clearTimeout(t) };
  },
};

/** `unknown`: a startup probe that has not decided yet. */
export type StoredResult = 'success' | 'failure' | 'unknown';

export interface WorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  /** When the container started (ms since the epoch): the initial delay counts from here. */
  startedAtMs: number;
  /** The first attempt waits at least this long from now: spreads the probes of containers this agent found running. */
  spreadMs?: number;
  clock: Clock;
  attempt(): Promise<ProbeAttempt>;
  /** Asked at every tick: false skips the attempt (a startup probe still pending, a pod being deleted). */
  mayRun(): boolean;
  /** Every attempt, for events. */
  onAttempt(attempt: ProbeAttempt): void;
  /** The stored result changed. */
  onChange(result: 'success' | 'failure', attempt: ProbeAttempt): void;
}

/**
 * Before any verdict, as upstream: a container with a readiness probe is not ready until it
 * succeeds; liveness is presumed healthy; startup is undecided (so the container is not started).
 */
const initial: Record<ProbeKind, StoredResult> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };

export class ProbeWorker {
  result: StoredResult;
  /** The container failed liveness or startup: it is to be restarted, so this instance is not probed again. */
  held = false;
  private lastResult: 'success' | 'failure' | undefined;
  private run = 0;
  private timer: { cancel(): void } | undefined;
  private inFlight = false;
  private stopped = false;
  private readonly periodMs: number;
  private readonly firstDue: number;

  constructor(private readonly o: WorkerOptions) {
    this.result = initial[o.kind];
    this.periodMs = Math.max(1, o.probe.periodSeconds ?? 10) * 1000;
    this.firstDue = Math.max(o.startedAtMs + Math.max(0, o.probe.initialDelaySeconds ?? 0) * 1000, o.clock.now() + (o.spreadMs ?? 0));
  }

  start(): void {
    this.schedule(Math.max(0, this.firstDue - this.o.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Tries now instead of at the next tick (readiness right after startup succeeded), if it may run at all. */
  trigger(): void {
    if (this.stopped || this.held || this.inFlight || this.o.clock.now() < this.firstDue) return;
    this.timer?.cancel();
    this.timer = undefined;
    void this.tick();
  }

  /** Sets the stored result from outside (liveness counts as healthy while the pod is deleted). */
  force(result: 'success' | 'failure'): void {
    this.result = result;
    this.lastResult = undefined;
    this.run = 0;
  }

  private schedule(ms: number): void {
    if (this.stopped || this.held) return;
    this.timer = this.o.clock.setTimer(() => {
      this.timer = undefined;
      void this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.held) return;
    const begun = this.o.clock.now();
    if (this.o.mayRun()) {
      this.inFlight = true;
      let attempt: ProbeAttempt;
      try {
        attempt = await this.o.attempt();
      } catch (err) {
        attempt = { result: 'unknown', output: (err as Error)?.message ?? String(err) };
      } finally {
        this.inFlight = false;
      }
      if (this.stopped) return;
      this.record(attempt);
      // A startup probe that succeeded has done its job for this container.
      if (this.o.kind === 'startup' && this.result === 'success') return this.stop();
    }
    // As a ticker: the period counts from the start of the attempt; a slow attempt is followed at once.
    this.schedule(Math.max(0, this.periodMs - (this.o.clock.now() - begun)));
  }

  private record(attempt: ProbeAttempt): void {
    this.o.onAttempt(attempt);
    if (attempt.result === 'unknown') return; // the prober's trouble: neither success nor failure
    const result = attempt.result;
    if (result === this.lastResult) this.run++;
    else {
      this.lastResult = result;
      this.run = 1;
    }
    const needed = result === 'failure' ? Math.max(1, this.o.probe.failureThreshold ?? 3) : Math.max(1, this.o.probe.successThreshold ?? 1);
    if (this.run < needed) return;
    const changed = this.result !== result;
    this.result = result;
    if (result === 'failure' && this.o.kind !== 'readiness') {
      // The container is to be restarted; probing it further could only report the same again.
      this.held = true;
      this.run = 0;
    }
    if (changed) this.o.onChange(result, attempt);
  }
}
