// The pods waiting for a node. Active pods go out highest priority first, then first come first
// served. A pod that fit nowhere is parked until the cluster changes in a way that could help it (a
// node added or changed, a placed pod gone), and even then not before its backoff has run out:
// 1 s after the first failure, doubling per failure up to 10 s, as kube-scheduler's defaults. So a
// stream of changes never turns into a hot loop. A parked pod that sees no such change is tried again
// after `retryUnschedulableMs` (60 s) anyway, in case a change went unnoticed. A pod whose binding
// failed is tried again when its backoff runs out, without waiting for a change.

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  retryUnschedulableMs?: number;
  /** Called whenever a pod becomes active, to wake the scheduling loop. */
  onActive?: () => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

type State = 'active' | 'backoff' | 'unschedulable' | 'inFlight';

interface Entry {
  uid: string;
  state: State;
  priority: number;
  /** Arrival order; a fresh number each time the pod becomes active. */
  seq: number;
  attempts: number;
  backoffUntil: number;
  timer?: { cancel(): void };
}

const defaultTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};

/** Higher priority first, then earlier arrival. */
const before = (a: Entry, aSeq: number, b: Entry, bSeq: number) => (a.priority !== b.priority ? a.priority > b.priority : aSeq < bSeq);

export class SchedulingQueue {
  private readonly entries = new Map<string, Entry>();
  /** A binary heap of [entry, seq when pushed]; stale items (entry moved on) are skipped on pop. */
  private readonly heap: Array<[Entry, number]> = [];
  private nextSeq = 0;
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly retryUnschedulableMs: number;
  private readonly now: () => number;
  private readonly setTimer: NonNullable<QueueOptions['setTimer']>;

  constructor(private readonly opts: QueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.retryUnschedulableMs = opts.retryUnschedulableMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? defaultTimer;
  }

  /** A pod that now needs a node. A pod already known keeps its place (and its backoff), unless
   *  `changed` says its spec changed, which may make it fit where it did not. */
  add(uid: string, priority: number, opts: { changed?: boolean } = {}): void {
    if (this.closed) return;
    const e = this.entries.get(uid);
    if (!e) {
      const fresh: Entry = { uid, state: 'active', priority, seq: 0, attempts: 0, backoffUntil: 0 };
      this.entries.set(uid, fresh);
      this.activate(fresh);
      return;
    }
    e.priority = priority;
    if (opts.changed && e.state === 'unschedulable') this.wake(e);
  }

  delete(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    e.timer?.cancel();
    e.state = 'inFlight'; // any heap item for it is now stale
    this.entries.delete(uid);
  }

  /** The next pod to schedule; it stays known (in flight) until done, unschedulable or retry. */
  pop(): string | undefined {
    while (this.heap.length) {
      const [e, seq] = this.heapPop();
      if (e.state !== 'active' || e.seq !== seq || this.entries.get(e.uid) !== e) continue;
      e.state = 'inFlight';
      return e.uid;
    }
    return undefined;
  }

  /** Placed and bound: forget its failures. */
  done(uid: string): void {
    this.delete(uid);
  }

  /** It fit nowhere: park it until a change could help, or the retry interval passes. */
  unschedulable(uid: string): void {
    const e = this.failed(uid);
    if (!e) return;
    e.state = 'unschedulable';
    e.timer = this.setTimer(() => this.activate(e), this.retryUnschedulableMs);
  }

  /** Something went wrong other than fitting (a failed binding): try again after the backoff. */
  retry(uid: string): void {
    const e = this.failed(uid);
    if (!e) return;
    this.backoff(e);
  }

  /** The cluster changed in a way that may let parked pods fit. */
  moveAllToActive(): void {
    for (const e of this.entries.values()) if (e.state === 'unschedulable') this.wake(e);
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.timer?.cancel();
    this.entries.clear();
    this.heap.length = 0;
  }

  private failed(uid: string): Entry | undefined {
    const e = this.entries.get(uid);
    if (!e || this.closed) return undefined;
    e.timer?.cancel();
    e.attempts++;
    e.backoffUntil = this.now() + Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (e.attempts - 1));
    return e;
  }

  private wake(e: Entry): void {
    if (this.now() >= e.backoffUntil) this.activate(e);
    else this.backoff(e);
  }

  private backoff(e: Entry): void {
    e.timer?.cancel();
    e.state = 'backoff';
    e.timer = this.setTimer(() => this.activate(e), Math.max(0, e.backoffUntil - this.now()));
  }

  private activate(e: Entry): void {
    if (this.closed || this.entries.get(e.uid) !== e) return;
    e.timer?.cancel();
    e.timer = undefined;
    e.state = 'active';
    e.seq = this.nextSeq++;
    this.heapPush([e, e.seq]);
    this.opts.onActive?.();
  }

  private heapPush(item: [Entry, number]): void {
    const h = this.heap;
    h.push(item);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]![0], h[i]![1], h[parent]![0], h[parent]![1])) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private heapPop(): [Entry, number] {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      for (let i = 0; ; ) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < h.length && before(h[l]![0], h[l]![1], h[m]![0], h[m]![1])) m = l;
        if (r < h.length && before(h[r]![0], h[r]![1], h[m]![0], h[m]![1])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
