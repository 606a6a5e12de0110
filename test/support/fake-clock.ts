// A clock and timers that move only when a test moves them, for code that takes `now` and
// `setTimer` as options (the scheduling queue, the probe workers).
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface FakeClock {
  now(): number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
  /** Moves time on, firing due timers in order, synchronously. */
  advanceNow(ms: number): void;
  /** Moves time on, firing due timers in order and letting each firing's promise chain settle first. */
  advance(ms: number): Promise<void>;
  pending(): number;
}

export function fakeClock(start = 0): FakeClock {
  let now = start;
  const timers = new Set<{ at: number; fn: () => void }>();
  const nextDue = (end: number) => [...timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
  return {
    now: () => now,
    setTimer(fn, ms) {
      const t = { at: now + ms, fn };
      timers.add(t);
      return { cancel: () => void timers.delete(t) };
    },
    advanceNow(ms) {
      const end = now + ms;
      for (let t = nextDue(end); t; t = nextDue(end)) {
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
      }
      now = end;
    },
    async advance(ms) {
      const end = now + ms;
      await flush();
      for (let t = nextDue(end); t; t = nextDue(end)) {
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
        await flush();
      }
      now = end;
      await flush();
    },
    pending: () => timers.size,
  };
}
