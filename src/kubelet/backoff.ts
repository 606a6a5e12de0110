// CrashLoopBackOff: a container that keeps exiting is restarted at once the first time, then
// after a delay that doubles from `initialMs` up to `maxMs`. A container that stayed quiet for
// twice the maximum starts over from the beginning.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

interface Entry {
  delayMs: number;
  lastRestartAt: number;
}

export class RestartBackoff {
  private entries = new Map<string, Entry>();

  constructor(private readonly o: BackoffOptions) {}

  /** How long from `now` until `key` may restart after exiting at `exitedAt`; 0 = restart now. */
  remaining(key: string, exitedAt: number, now: number): number {
    const e = this.entries.get(key);
    if (!e || exitedAt - e.lastRestartAt > 2 * this.o.maxMs) return 0;
    return Math.max(0, exitedAt + e.delayMs - now);
  }

  /** The current delay, for the waiting message; call after `remaining` said to wait. */
  delayOf(key: string): number {
    return this.entries.get(key)?.delayMs ?? this.o.initialMs;
  }

  /** Records a restart: the next one waits longer. */
  restarted(key: string, exitedAt: number, now: number): void {
    const e = this.entries.get(key);
    const fresh = !e || exitedAt - e.lastRestartAt > 2 * this.o.maxMs;
    this.entries.set(key, { delayMs: fresh ? this.o.initialMs : Math.min(this.o.maxMs, e.delayMs * 2), lastRestartAt: now });
  }

  forget(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** A duration as Go prints it: 10s, 1m20s, 5m0s, 300ms. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = +(totalSeconds % 60).toFixed(3);
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
