// Level-triggered controllers: watch events only enqueue namespace/name keys; reconcile reads the
// current state through the client, converges it, and is safe to run twice. Throw to back off;
// return { requeueAfterMs } to look again later.
import type { Client, ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { ObjectCache } from './object-cache.js';
import { workQueueMetrics } from '../../instrumentation/workqueue-metrics.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface ControllerSpec {
  name: string;
  client: Client;
  for: ResourceType;
  /** Other kinds whose changes should reconcile keys of the `for` kind (e.g. what it owns; a list
   *  when one change concerns several, as a Node does every DaemonSet). */
  watches?: Array<WatchedType | WatchedCache>;
  /** `key` is `namespace/name` for namespaced kinds and `name` otherwise. */
  reconcile(key: string): Promise<ReconcileResult | void>;
  workers?: number;
  onError?(key: string, err: unknown): void;
}

type KeyOf = (obj: KObject) => string | string[] | undefined;

/** A kind followed through a watch of the controller's own. */
export interface WatchedType {
  type: ResourceType;
  fieldSelector?: string;
  keyOf: KeyOf;
}

/** A kind already followed by a shared cache the controller also reads from. */
export interface WatchedCache {
  cache: ObjectCache;
  keyOf: KeyOf;
}

export const objectKeyOf = (m: { namespace?: string; name?: string }) => (m.namespace ? `${m.namespace}/${m.name}` : `${m.name}`);

export interface RunningController {
  /** Resolves when every worker has finished its current reconcile, after `signal` aborted. */
  readonly stopped: Promise<void>;
}

/** Runs until `signal` aborts. Resolves once its watches are established. */
export async function runController(spec: ControllerSpec, signal: AbortSignal): Promise<RunningController> {
  // An error reporter that throws must not take the process down with an unhandled rejection.
  const report = (key: string, err: unknown) => {
    try {
      spec.onError?.(key, err);
    } catch {
      // nothing left to tell
    }
  };
  const queue = new WorkQueue({ metrics: workQueueMetrics(spec.name) });
  signal.addEventListener('abort', () => queue.close(), { once: true });

  const enqueue = (keys: string | string[] | undefined) => {
    for (const key of typeof keys === 'string' ? [keys] : keys ?? []) queue.add(key);
  };
  const watch = async (type: ResourceType, fieldSelector: string | undefined, keyOf: KeyOf): Promise<void> => {
    if (signal.aborted) return;
    await spec.client.watch(
      type,
      fieldSelector ? { fieldSelector } : {},
      {
        onEvent: (ev) => enqueue(keyOf(ev.object)),
        // The stream broke (e.g. compacted history): start over from the current state.
        onClose: () => {
          if (!signal.aborted) setTimeout(() => void watch(type, fieldSelector, keyOf).catch((err) => report('', err)), 1000).unref();
        },
      },
      signal,
    );
  };
  await watch(spec.for, undefined, (obj) => objectKeyOf(obj.metadata));
  for (const w of spec.watches ?? []) {
    if ('cache' in w) {
      const unsubscribe = w.cache.subscribe((ev) => enqueue(w.keyOf(ev.object)));
      signal.addEventListener('abort', unsubscribe, { once: true });
    } else await watch(w.type, w.fieldSelector, w.keyOf);
  }

  const worker = async () => {
    for (let key = await queue.next(); key !== undefined; key = await queue.next()) {
      try {
        const result = await spec.reconcile(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        report(key, err);
        queue.retry(key);
      } finally {
        queue.done(key);
      }
    }
  };
  const workers = Array.from({ length: spec.workers ?? 1 }, () => worker());
  return { stopped: Promise.all(workers).then(() => undefined) };
}
