// Group commit: every write submitted during one event-loop turn is applied in a single transaction, so
// one fsync covers the whole batch. The batch runs from setImmediate, i.e. after the current turn's I/O
// callbacks and their promise chains have all had the chance to submit. Each op still gets its own
// outcome; promises settle only after `run` returns, which is after the commit.

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Pending<Op, R> {
  op: Op;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/** Applies a batch in one transaction and returns one outcome per op, in order. Throwing fails them all. */
export type BatchRunner<Op, R> = (ops: Op[]) => Outcome<R>[];

export class GroupCommitter<Op, R> {
  private pending: Pending<Op, R>[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly run: BatchRunner<Op, R>) {}

  submit(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Runs whatever is queued now (used by close() so acknowledged-later writes are not lost). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let outcomes: Outcome<R>[];
    try {
      outcomes = this.run(batch.map((p) => p.op));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}
