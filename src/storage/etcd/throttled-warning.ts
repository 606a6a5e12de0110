// An etcd restart breaks every watch stream at once; a server with hundreds of watches would print
// hundreds of identical warnings. One per kind per interval, with a count of the ones held back, says
// the same thing.

export type Warn = (kind: string, message: string) => void;

export function throttledWarning(intervalMs = 10_000, emit: (message: string) => void = (m) => process.emitWarning(m)): Warn {
  const last = new Map<string, { at: number; held: number }>();
  return (kind, message) => {
    const now = Date.now();
    const seen = last.get(kind);
    if (seen && now - seen.at < intervalMs) {
      seen.held++;
      return;
    }
    const held = seen?.held ?? 0;
    last.set(kind, { at: now, held: 0 });
    emit(held > 0 ? `${message} (and ${held} more like it since the last report)` : message);
  };
}
