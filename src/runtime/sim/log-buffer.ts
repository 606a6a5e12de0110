// A container's output, kept in memory as timestamped lines, bounded so that thousands of chatty
// simulated containers cannot grow without limit: the oldest lines go first.
import type { LogOptions } from '../types.js';
import { ByteLimit } from '../byte-limit.js';

interface Line {
  seq: number;
  at: number;
  text: string;
}

export interface LogBufferLimits {
  maxLines: number;
  maxBytes: number;
}

const defaultLimits: LogBufferLimits = { maxLines: 5000, maxBytes: 1 << 20 };

export class LogBuffer {
  private lines: Line[] = [];
  private bytes = 0;
  private nextSeq = 0;
  private partial = '';
  private closed = false;
  private wakers = new Set<() => void>();

  constructor(private readonly limits: LogBufferLimits = defaultLimits) {}

  write(text: string, now = Date.now()): void {
    if (this.closed) return;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const p of parts) this.push(p, now);
    if (parts.length) this.wake();
  }

  /** The container exited: an unfinished last line is kept, followers stop. */
  close(now = Date.now()): void {
    if (this.closed) return;
    if (this.partial) this.push(this.partial, now);
    this.partial = '';
    this.closed = true;
    this.wake();
  }

  async *read(opts: LogOptions, signal: AbortSignal): AsyncGenerator<string> {
    let selected = this.lines.filter((l) => opts.sinceMs === undefined || l.at >= opts.sinceMs);
    if (opts.tailLines !== undefined) selected = opts.tailLines <= 0 ? [] : selected.slice(-opts.tailLines);
    let last = this.nextSeq - 1;
    const limit = new ByteLimit(opts.limitBytes);
    for (const l of selected) {
      yield limit.take(format(l, opts));
      if (limit.done) return;
    }
    while (opts.follow && !signal.aborted) {
      const fresh = this.lines.filter((l) => l.seq > last);
      if (fresh.length) {
        last = fresh[fresh.length - 1]!.seq;
        for (const l of fresh) {
          yield limit.take(format(l, opts));
          if (limit.done) return;
        }
        continue;
      }
      if (this.closed) return;
      await this.changed(signal);
    }
  }

  private push(text: string, at: number): void {
    this.lines.push({ seq: this.nextSeq++, at, text });
    this.bytes += text.length + 1;
    while (this.lines.length > this.limits.maxLines || (this.bytes > this.limits.maxBytes && this.lines.length > 1)) {
      this.bytes -= this.lines.shift()!.text.length + 1;
    }
  }

  private wake(): void {
    for (const w of this.wakers) w();
    this.wakers.clear();
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.wakers.add(done);
    });
  }
}

/** RFC 3339 with nanoseconds, as CRI log files carry them. */
export function logTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, '$1000000Z');
}

function format(l: Line, opts: LogOptions): string {
  return opts.timestamps ? `${logTimestamp(l.at)} ${l.text}\n` : `${l.text}\n`;
}
