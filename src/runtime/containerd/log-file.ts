// Reading a CRI container log file as `kubectl logs` shows it. containerd writes one record per line:
// `<RFC3339Nano time> <stdout|stderr> <P|F> <text>`, and splits an output line longer than its
// limit into P (partial) records ended by an F record of the same stream; here they are joined
// again. Nothing reads more of the file than it must: the whole file is streamed in chunks, and a
// tail is read backwards from the end in growing windows.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import type { LogOptions } from '../types.js';
import { ByteLimit } from '../byte-limit.js';

export interface LogRecord {
  /** The record's own timestamp, exactly as written. */
  time: string;
  ms: number;
  stream: string;
  partial: boolean;
  text: string;
}

/** One output line: its partial records joined, stamped with the time its first part was written. */
export interface LogLine {
  time: string;
  ms: number;
  stream: string;
  text: string;
}

/** undefined for a line that is not a CRI log record (it is skipped, as the kubelet does). */
export function parseLogRecord(line: string): LogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a <= 0 || b < 0) return undefined;
  let c = line.indexOf(' ', b + 1);
  if (c < 0) c = line.length; // an empty line of output: no text after the tag
  const time = line.slice(0, a);
  const ms = Date.parse(time);
  const stream = line.slice(a + 1, b);
  const tags = line.slice(b + 1, c).split(':');
  if (Number.isNaN(ms) || (stream !== 'stdout' && stream !== 'stderr') || !(tags.includes('F') || tags.includes('P'))) return undefined;
  return { time, ms, stream, partial: tags.includes('P'), text: line.slice(c + 1) };
}

/** A runaway line without a newline is cut into lines of this size rather than held in memory. */
const MAX_JOINED_LINE = 1 << 20;

/** Joins each stream's partial records to the full record that ends them. */
export class LineJoiner {
  private pending = new Map<string, { first: LogRecord; parts: string[]; bytes: number }>();

  push(r: LogRecord): LogLine | undefined {
    const p = this.pending.get(r.stream);
    if (!p && !r.partial) return { time: r.time, ms: r.ms, stream: r.stream, text: r.text };
    if (!p) {
      this.pending.set(r.stream, { first: r, parts: [r.text], bytes: r.text.length });
      return undefined;
    }
    p.parts.push(r.text);
    p.bytes += r.text.length;
    if (!r.partial || p.bytes >= MAX_JOINED_LINE) {
      this.pending.delete(r.stream);
      return { time: p.first.time, ms: p.first.ms, stream: r.stream, text: p.parts.join('') };
    }
    return undefined;
  }

  /** Lines still waiting for their end (the container exited mid-line), oldest first. */
  flush(): LogLine[] {
    const out = [...this.pending.values()].sort((x, y) => x.first.ms - y.first.ms).map((p) => ({ time: p.first.time, ms: p.first.ms, stream: p.first.stream, text: p.parts.join('') }));
    this.pending.clear();
    return out;
  }
}

export function formatLogLine(l: LogLine, timestamps: boolean | undefined): string {
  return timestamps ? `${l.time} ${l.text}\n` : `${l.text}\n`;
}

/** Lines of `text` that end in a newline, and how many bytes they took. */
function completeLines(buf: Buffer): { lines: string[]; used: number } {
  const end = buf.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], used: 0 };
  return { lines: buf.subarray(0, end).toString('utf8').split('\n'), used: end + 1 };
}

interface TailResult {
  lines: LogLine[];
  /** Where reading goes on (after the last complete record read). */
  offset: number;
  joiner: LineJoiner;
}

const TAIL_WINDOW = 64 * 1024;

/**
 * The last `n` lines at or after `sinceMs`. Reads a window from the end; if the window might have cut
 * one of the wanted lines (its first line per stream could be the tail of a longer one, or the
 * window holds too few lines), it doubles the window and tries again.
 */
export async function tailLines(fh: FileHandle, size: number, n: number, sinceMs: number | undefined): Promise<TailResult> {
  for (let window = TAIL_WINDOW; ; window *= 2) {
    const start = Math.max(0, size - window);
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    let body = buf.subarray(0, bytesRead);
    let from = start;
    if (start > 0) {
      // The window's first line is cut; it begins after the first newline.
      const nl = body.indexOf(0x0a);
      body = nl < 0 ? Buffer.alloc(0) : body.subarray(nl + 1);
      from = nl < 0 ? size : start + nl + 1;
    }
    const { lines: raw, used } = completeLines(body);
    const joiner = new LineJoiner();
    const seen = new Set<string>();
    const lines: Array<LogLine & { unsure: boolean }> = [];
    for (const text of raw) {
      const r = parseLogRecord(text);
      const l = r && joiner.push(r);
      if (!l) continue;
      lines.push({ ...l, unsure: start > 0 && !seen.has(l.stream) });
      seen.add(l.stream);
    }
    const selected = lines.filter((l) => sinceMs === undefined || l.ms >= sinceMs);
    const last = n > 0 ? selected.slice(-n) : [];
    const enough =
      start === 0 ||
      n <= 0 ||
      (!last.some((l) => l.unsure) && (last.length >= n || (sinceMs !== undefined && lines.some((l) => !l.unsure && l.ms < sinceMs))));
    if (enough) return { lines: last.map(({ unsure: _u, ...l }) => l), offset: from + used, joiner };
  }
}

export interface FollowOptions {
  /** Whether the container has ended (or is gone): following stops after reading what is left. */
  exited(): Promise<boolean>;
  /** How often to look for new output when no file change is signalled. */
  pollMs?: number;
  /** How often to ask whether the container has exited. */
  exitCheckMs?: number;
}

const READ_CHUNK = 64 * 1024;

/**
 * The log at `path` as lines (each ending in a newline). Honours tailLines, sinceMs, timestamps,
 * limitBytes and follow; following ends when `follow.exited()` says so (after the rest is read) or
 * `signal` aborts. A file that does not exist yet is empty (and waited for when following).
 */
export async function* readLogFile(path: string, opts: LogOptions, follow: FollowOptions, signal: AbortSignal): AsyncGenerator<string> {
  const limit = new ByteLimit(opts.limitBytes);
  const emit = (l: LogLine) => (opts.sinceMs === undefined || l.ms >= opts.sinceMs ? limit.take(formatLogLine(l, opts.timestamps)) : '');
  const pollMs = follow.pollMs ?? 250;
  const exitCheckMs = follow.exitCheckMs ?? 1000;
  let fh: FileHandle | undefined;
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    fh = await openIfExists(path);
    while (!fh) {
      if (!opts.follow || signal.aborted || (await follow.exited())) return;
      await sleep(pollMs, signal);
      fh = await openIfExists(path);
    }
    let offset = 0;
    let joiner = new LineJoiner();
    if (opts.tailLines !== undefined) {
      const t = await tailLines(fh, (await fh.stat()).size, opts.tailLines, opts.sinceMs);
      offset = t.offset;
      joiner = t.joiner;
      for (const l of t.lines) {
        const s = emit(l);
        if (s) yield s;
        if (limit.done) return;
      }
    }
    if (opts.follow) {
      try {
        watcher = watch(path, { persistent: false }, () => wake?.());
      } catch {
        // polling alone still works
      }
    }
    let carry = Buffer.alloc(0);
    let lastExitCheck = 0;
    let ending = false;
    for (;;) {
      // Read everything that is there now.
      for (;;) {
        const chunk = Buffer.alloc(READ_CHUNK);
        const { bytesRead } = await fh.read(chunk, 0, READ_CHUNK, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        const { lines, used } = completeLines(buf);
        carry = Buffer.from(buf.subarray(used));
        for (const text of lines) {
          const r = parseLogRecord(text);
          const l = r && joiner.push(r);
          if (!l) continue;
          const s = emit(l);
          if (s) yield s;
          if (limit.done) return;
        }
      }
      if (!opts.follow || ending || signal.aborted) break;
      if (Date.now() - lastExitCheck >= exitCheckMs) {
        lastExitCheck = Date.now();
        // Once it has exited, one more pass reads what it wrote last.
        if (await follow.exited()) {
          ending = true;
          continue;
        }
      }
      const replaced = await replacedOrTruncated(path, fh, offset);
      const next = replaced === 'replaced' ? await openIfExists(path) : undefined;
      if (next) {
        await fh.close();
        fh = next;
      }
      if (next || replaced === 'truncated') {
        offset = 0;
        carry = Buffer.alloc(0);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
        if (signal.aborted) done();
      });
    }
    if (signal.aborted) return;
    for (const l of joiner.flush()) {
      const s = emit(l);
      if (s) yield s;
      if (limit.done) return;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    watcher?.close();
    await fh?.close();
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A rotated log is a new file under the same name; a truncated one starts again at 0. */
async function replacedOrTruncated(path: string, fh: FileHandle, offset: number): Promise<'replaced' | 'truncated' | undefined> {
  try {
    const [byName, held] = await Promise.all([stat(path), fh.stat()]);
    if (byName.ino !== held.ino) return 'replaced';
    if (held.size < offset) return 'truncated';
  } catch {
    // gone for now: keep what we hold
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
