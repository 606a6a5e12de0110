// The audit log file: lines are queued in memory and written in batches off the request path, so a
// slow disk delays the log, never a request. The file is rotated by size the way kube-apiserver's
// (lumberjack) does it: the full file is renamed to `<name>-<UTC time>.<ext>` and a new one begun;
// backups beyond --audit-log-maxbackup or older than --audit-log-maxage days are removed.
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

export interface LogFileOptions {
  /** A file path, or `-` for standard output (no rotation then). */
  path: string;
  /** Rotate before a write would take the file past this; kube-apiserver's 0 means 100 MB. */
  maxSizeBytes: number;
  /** Backups kept; 0 keeps every one. */
  maxBackups: number;
  /** Backups older than this many days are removed; 0 keeps them regardless of age. */
  maxAgeDays: number;
  /** Lines held while the disk catches up; past this, lines are dropped and counted. */
  maxQueuedBytes?: number;
  now?: () => Date;
  /** Told once per run of drops or failures, so the operator knows the log has gaps. */
  warn?: (msg: string, fields: Record<string, unknown>) => void;
}

export interface LineLog {
  /** Queues one line (without its newline); never blocks and never throws. */
  write(line: string): void;
  /** Resolves once every line queued so far is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Lines dropped because the queue was full or the file could not be written. */
  readonly dropped: number;
}

const MB = 1024 * 1024;

/** Lumberjack's backup time stamp: 2006-01-02T15-04-05.000 in UTC. */
export function backupName(path: string, at: Date): string {
  const ext = extname(path);
  const stem = basename(path, ext);
  const stamp = at.toISOString().replace(/:/g, '-').replace(/Z$/, '');
  return join(dirname(path), `${stem}-${stamp}${ext}`);
}

const backupPattern = (path: string) => {
  const ext = extname(path);
  const stem = basename(path, ext).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const e = ext.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${stem}-(\\d{4}-\\d{2}-\\d{2})T(\\d{2})-(\\d{2})-(\\d{2})\\.(\\d{3})${e}$`);
};

export async function openLineLog(o: LogFileOptions): Promise<LineLog> {
  if (o.path === '-') return stdoutLog();
  const maxSize = o.maxSizeBytes > 0 ? o.maxSizeBytes : 100 * MB;
  const maxQueued = o.maxQueuedBytes ?? 64 * MB;
  const now = o.now ?? (() => new Date());
  await mkdir(dirname(o.path), { recursive: true, mode: 0o700 });
  let fh: FileHandle = await open(o.path, 'a', 0o600);
  let size = (await fh.stat()).size;
  let queue: string[] = [];
  let queuedBytes = 0;
  let dropped = 0;
  let warnedDrop = false;
  let writing: Promise<void> | undefined;
  let closed = false;

  const rotate = async () => {
    await fh.close();
    await rename(o.path, backupName(o.path, now()));
    fh = await open(o.path, 'a', 0o600);
    size = 0;
    await prune().catch((err) => o.warn?.('audit log: removing old backups failed', { error: (err as Error).message }));
  };

  const prune = async () => {
    if (o.maxBackups <= 0 && o.maxAgeDays <= 0) return;
    const re = backupPattern(o.path);
    const dir = dirname(o.path);
    const backups = (await readdir(dir))
      .map((name) => {
        const m = re.exec(name);
        return m ? { name, at: Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) } : undefined;
      })
      .filter((b): b is { name: string; at: number } => b !== undefined)
      .sort((a, b) => b.at - a.at);
    const cutoff = o.maxAgeDays > 0 ? now().getTime() - o.maxAgeDays * 86_400_000 : -Infinity;
    for (const [i, b] of backups.entries()) {
      if ((o.maxBackups > 0 && i >= o.maxBackups) || b.at < cutoff) await unlink(join(dir, b.name)).catch(() => undefined);
    }
  };

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      queuedBytes = 0;
      // One write per batch, but a batch never crosses a rotation: lines go to the file they fit.
      let chunk: string[] = [];
      let chunkBytes = 0;
      const writeChunk = async () => {
        if (chunk.length === 0) return;
        const buf = Buffer.from(chunk.join(''));
        chunk = [];
        chunkBytes = 0;
        await fh.write(buf);
        size += buf.length;
      };
      try {
        for (const line of batch) {
          const n = Buffer.byteLength(line);
          if (size + chunkBytes + n > maxSize && size + chunkBytes > 0) {
            await writeChunk();
            await rotate();
          }
          chunk.push(line);
          chunkBytes += n;
        }
        await writeChunk();
      } catch (err) {
        dropped += batch.length;
        o.warn?.('audit log: write failed, events lost', { path: o.path, error: (err as Error).message });
      }
    }
  };

  const kick = () => {
    if (writing || closed) return;
    writing = drain().finally(() => {
      writing = undefined;
      if (queue.length > 0) kick();
    });
  };

  const log: LineLog = {
    write(line) {
      if (closed) return;
      const text = `${line}\n`;
      if (queuedBytes + text.length > maxQueued) {
        dropped++;
        if (!warnedDrop) {
          warnedDrop = true;
          o.warn?.('audit log: the disk is not keeping up, events dropped', { path: o.path });
        }
        return;
      }
      if (warnedDrop && queuedBytes === 0) warnedDrop = false;
      queue.push(text);
      queuedBytes += text.length;
      if (!writing) setImmediate(kick);
    },
    async flush() {
      while (writing || queue.length > 0) {
        kick();
        await writing;
      }
    },
    async close() {
      await log.flush();
      closed = true;
      await fh.close();
    },
    get dropped() {
      return dropped;
    },
  };
  return log;
}

/** `--audit-log-path -`: lines to standard output, written as they come. */
function stdoutLog(): LineLog {
  return {
    write: (line) => void process.stdout.write(`${line}\n`),
    flush: () => new Promise<void>((r) => process.stdout.write('', () => r())),
    close: async () => undefined,
    dropped: 0,
  };
}
