// CPU as a rate from a cumulative counter: the kubelet keeps its own samples per container (and
// for the node) and divides the difference of the newest and an older one by the time between
// them. containerd's usageNanoCores is not used: it is relative to the previous stats call by any
// client, so another reader (crictl, a second kubelet scrape) would shorten our window unseen.

export interface CpuSample {
  /** When the counter was read (ms since the epoch; fractions allowed). */
  timeMs: number;
  /** Cumulative CPU time in core-nanoseconds. */
  usageCoreNanoSeconds: number;
}

export interface CpuRate {
  nanoCores: number;
  windowMs: number;
  /** The newest sample's time: the end of the window. */
  timeMs: number;
}

/** The average rate between two samples; undefined when time did not advance or the counter went
 *  back (a new process behind the same key). */
export function cpuRate(older: CpuSample, newer: CpuSample): CpuRate | undefined {
  const dt = newer.timeMs - older.timeMs;
  const du = newer.usageCoreNanoSeconds - older.usageCoreNanoSeconds;
  if (!(dt > 0) || du < 0) return undefined;
  // du core-ns over dt ms: du / (dt * 1e6) cores = du * 1000 / dt nanocores.
  return { nanoCores: Math.round((du * 1000) / dt), windowMs: dt, timeMs: newer.timeMs };
}

export interface HistoryOptions {
  /** The shortest window a rate is given for; shorter ones are noise (CFS throttles in 100 ms periods). */
  minWindowMs: number;
  /** Samples kept; the oldest go first. */
  keep: number;
}

/** A few recent samples of one counter; the rate spans from the newest to the latest older sample
 *  at least minWindowMs before it, so frequent readers still get a meaningful window. */
export class CpuHistory {
  private readonly samples: CpuSample[] = [];

  constructor(private readonly o: HistoryOptions) {}

  add(s: CpuSample): void {
    const last = this.samples[this.samples.length - 1];
    // A counter that went back is a new process: what came before says nothing about it.
    if (last && s.usageCoreNanoSeconds < last.usageCoreNanoSeconds) this.samples.length = 0;
    else if (last && s.timeMs <= last.timeMs) return;
    this.samples.push(s);
    // Keep the newest `keep`, but never drop the one the current rate is based on.
    while (this.samples.length > this.o.keep && this.baseIndex() > 0) this.samples.shift();
  }

  latest(): CpuSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  rate(): CpuRate | undefined {
    const i = this.baseIndex();
    return i < 0 ? undefined : cpuRate(this.samples[i]!, this.samples[this.samples.length - 1]!);
  }

  private baseIndex(): number {
    const newest = this.samples[this.samples.length - 1];
    if (!newest) return -1;
    for (let i = this.samples.length - 2; i >= 0; i--) if (newest.timeMs - this.samples[i]!.timeMs >= this.o.minWindowMs) return i;
    return -1;
  }
}
