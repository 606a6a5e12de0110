// Compaction over SQL, one window of revisions per transaction so no transaction grows with the log.
// Each window first locks the compacted-revision row, so two servers sharing a database never compact
// the same window twice, and it stores the new compacted revision in the same transaction as the
// deletions: a reader never sees a half-compacted range as readable. What is removed is what SQLite
// removes (see ../flow.md): rows superseded at or before the target, and tombstones at or before it.

import type { SqlConnection } from './connection.js';
import { num } from './rows.js';

export interface CompactionRun {
  conn: SqlConnection;
  to: number;
  /** Revisions per transaction. */
  window: number;
  /** Checked between windows; true stops early (the backend is closing). */
  stopped(): boolean;
}

/** Compacts up to `to` (already capped at the current revision); returns the compacted revision. */
export async function compactLog(run: CompactionRun): Promise<number> {
  for (;;) {
    const done = await run.conn.transaction(async (query) => {
      const [locked] = await query('lockCompactRevision');
      const lo = num(locked!.value);
      if (lo >= run.to) return { compacted: lo, finished: true };
      const hi = Math.min(run.to, lo + run.window);
      await query('compactSuperseded', [lo, hi]);
      await query('compactTombstones', [lo, hi]);
      await query('setCompactRevision', [hi]);
      return { compacted: hi, finished: hi >= run.to };
    });
    if (done.finished || run.stopped()) return done.compacted;
  }
}
