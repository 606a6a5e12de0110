// Scheduling attempts and their latency under kube-scheduler's names. An attempt here is the
// in-memory decision (filters and scores); the binding written afterwards is not part of it.
import { Counter, Histogram } from 'prom-client';
import { controlPlaneRegistry } from '../instrumentation/registries.js';

const registers = [controlPlaneRegistry];
const profile = 'default-scheduler';

const attempts = new Counter({
  name: 'scheduler_schedule_attempts_total',
  help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.',
  labelNames: ['result', 'profile'],
  registers,
});
const duration = new Histogram({
  name: 'scheduler_scheduling_attempt_duration_seconds',
  help: 'Scheduling attempt latency in seconds (the placement decision; the binding is written afterwards)',
  labelNames: ['result', 'profile'],
  // 1 ms doubling to about 16 s, as kube-scheduler.
  buckets: Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i),
  registers,
});

type Result = 'scheduled' | 'unschedulable' | 'error';
const bound = new Map<Result, { count: { inc(): void }; time: { observe(v: number): void } }>();
const child = (r: Result) => {
  let c = bound.get(r);
  if (!c) bound.set(r, (c = { count: attempts.labels(r, profile), time: duration.labels(r, profile) }));
  return c;
};

/** Starts timing one attempt; call the result with how it ended. */
export function startAttempt(): (result: Result) => void {
  const start = performance.now();
  return (result) => {
    const c = child(result);
    c.count.inc();
    c.time.observe((performance.now() - start) / 1000);
  };
}

export function countError(): void {
  child('error').count.inc();
}
