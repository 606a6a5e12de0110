// Compaction drops history that no readable revision needs, in windows of revisions so one call never
// holds the event loop (or the WAL) for long. A row is removable once a write at or before the target
// revision superseded it; tombstones at or before the target go too. The newest row of every live key
// is never superseded, so current state always survives. Each window commits the new compacted
// revision together with its deletions, so readers never see a half-compacted range as readable.

import type { Database, Statement } from 'better-sqlite3';
import { META_COMPACT_REVISION, STATEMENTS } from './schema.js';

export interface CompactionStatements {
  superseded: Statement;
  tombstones: Statement;
  setMeta: Statement;
}

export function prepareCompaction(db: Database): CompactionStatements {
  return {
    superseded: db.prepare(STATEMENTS.compactSuperseded),
    tombstones: db.prepare(STATEMENTS.compactTombstones),
    setMeta: db.prepare(STATEMENTS.setMeta),
  };
}

export interface CompactionRun {
  db: Database;
  statements: CompactionStatements;
  /** Already compacted up to here. */
  from: number;
  to: number;
  /** Revisions per transaction. */
  window: number;
  /** Called after each committed window with the new compacted revision. */
  onProgress(revision: number): void;
  /** Checked between windows; true stops early (e.g. the backend is closing). */
  stopped(): boolean;
}

export async function compactLog(run: CompactionRun): Promise<void> {
  const step = run.db.transaction((lo: number, hi: number) => {
    run.statements.superseded.run({ lo, hi });
    run.statements.tombstones.run({ lo, hi });
    run.statements.setMeta.run(META_COMPACT_REVISION, hi);
  });
  let lo = run.from;
  while (lo < run.to && !run.stopped()) {
    const hi = Math.min(run.to, lo + run.window);
    step.immediate(lo, hi);
    run.onProgress(hi);
    lo = hi;
    if (lo < run.to) await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface AutoCompactionOptions {
  /** How often to compact; 0 turns automatic compaction off. */
  intervalMs: number;
  /** How many recent revisions stay readable (for lists with continue tokens and watch resumption). */
  keepRevisions: number;
}

export const DEFAULT_AUTO_COMPACTION: AutoCompactionOptions = { intervalMs: 5 * 60_000, keepRevisions: 1000 };

/** Starts a timer that never keeps the process alive; returns its stop function. */
export function startAutoCompaction(
  opts: AutoCompactionOptions,
  compactTo: (keepRevisions: number) => Promise<void>,
): () => void {
  if (opts.intervalMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    compactTo(opts.keepRevisions)
      .catch((err) => process.emitWarning(`automatic storage compaction failed: ${String(err)}`))
      .finally(() => {
        running = false;
      });
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
