// A de-duplicating queue of keys: a key waiting is not added twice; a key being processed and
// added again is processed once more afterwards. Failures come back with exponential backoff.
// Client-side machinery (as client-go's workqueue), shared by the controllers and the kubelet.
import type { QueueMetrics } from '../instrumentation/workqueue-metrics.js';

export interface WorkQueueOptions {
  /** Where depth, adds, waits, work durations and retries are reported (instrumentation/). */
  metrics?: QueueMetrics;
  baseDelayMs?: number;
  maxDelayMs?: number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

const defaultTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};

export class WorkQueue {
  private queue: string[] = [];
  private waiting = new Set<string>();
  private active = new Set<string>();
  private dirtyWhileActive = new Set<string>();
  private failures = new Map<string, number>();
  private timers = new Map<string, { cancel(): void }>();
  private wakers: Array<() => void> = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly setTimer: NonNullable<WorkQueueOptions['setTimer']>;
  private readonly metrics: QueueMetrics | undefined;
  /** When each waiting key was added, then when its processing started (seconds, monotonic). */
  private readonly since = new Map<string, number>();

  constructor(opts: WorkQueueOptions = {}) {
    this.metrics = opts.metrics;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.setTimer = opts.setTimer ?? defaultTimer;
  }

  add(key: string): void {
    if (this.closed) return;
    if (this.active.has(key)) {
      this.dirtyWhileActive.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.queue.push(key);
    if (this.metrics) {
      this.metrics.added();
      this.metrics.depth(this.queue.length);
      this.since.set(key, performance.now() / 1000);
    }
    this.wakers.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    this.timers.get(key)?.cancel();
    this.timers.set(key, this.setTimer(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms));
  }

  /** Re-adds a failed key after a growing delay. */
  retry(key: string): void {
    this.metrics?.retried();
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1)));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key to process, or undefined once closed. Call done(key) after processing. */
  async next(): Promise<string | undefined> {
    while (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
    if (this.closed) return undefined;
    const key = this.queue.shift()!;
    this.waiting.delete(key);
    this.active.add(key);
    if (this.metrics) {
      const now = performance.now() / 1000;
      this.metrics.depth(this.queue.length);
      this.metrics.waited(now - (this.since.get(key) ?? now));
      this.since.set(key, now);
    }
    return key;
  }

  done(key: string): void {
    this.active.delete(key);
    if (this.metrics) {
      const started = this.since.get(key);
      this.since.delete(key);
      if (started !== undefined) this.metrics.worked(performance.now() / 1000 - started);
    }
    if (this.dirtyWhileActive.delete(key)) this.add(key);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const wake of this.wakers.splice(0)) wake();
  }
}
