// Work-queue metrics under upstream's names (client-go's workqueue_*), one label: the queue's name.
// Kept here rather than in client/ so the queue itself stays free of any registry.
import { Counter, Gauge, Histogram } from 'prom-client';
import { controlPlaneRegistry } from './registries.js';

const registers = [controlPlaneRegistry];
// As client-go: from 1 µs to 10 s in powers of ten.
const buckets = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers });
const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers });
const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });
const queueDuration = new Histogram({
  name: 'workqueue_queue_duration_seconds',
  help: 'How long in seconds an item stays in workqueue before being requested',
  labelNames: ['name'],
  buckets,
  registers,
});
const workDuration = new Histogram({
  name: 'workqueue_work_duration_seconds',
  help: 'How long in seconds processing an item from workqueue takes',
  labelNames: ['name'],
  buckets,
  registers,
});

/** What a WorkQueue reports about itself; bound to one name so the hot path does no label lookups. */
export interface QueueMetrics {
  added(): void;
  depth(n: number): void;
  waited(seconds: number): void;
  worked(seconds: number): void;
  retried(): void;
}

export function workQueueMetrics(name: string): QueueMetrics {
  const d = depth.labels(name);
  const a = adds.labels(name);
  const r = retries.labels(name);
  const q = queueDuration.labels(name);
  const w = workDuration.labels(name);
  return {
    added: () => a.inc(),
    depth: (n) => d.set(n),
    waited: (s) => q.observe(s),
    worked: (s) => w.observe(s),
    retried: () => r.inc(),
  };
}
