// The node's airgap image directory (<data-dir>/agent/images, as K3s's): every archive found there
// is imported into the node's containerd when the agent starts, and archives copied in while it
// runs are imported once they stop growing, so machines without a registry can run images someone
// copied over. Files that cannot be imported are reported and skipped.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { importImageArchive } from './import.js';

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/;
/** A file is taken once it has not changed for this long (a copy in progress keeps changing it). */
const SETTLE_MS = 500;

export interface AirgapOptions {
  socket: string;
  dir: string;
  log(msg: string, fields?: Record<string, unknown>): void;
}

/** What was imported, by file, so a file is imported again only when it changed. */
type Seen = Map<string, string>;

async function signature(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? `${s.size}:${s.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

async function importOne(o: AirgapOptions, file: string, seen: Seen): Promise<string[]> {
  const path = join(o.dir, file);
  const sig = await signature(path);
  if (!sig || seen.get(file) === sig) return [];
  seen.set(file, sig);
  const started = performance.now();
  try {
    const names = await importImageArchive({ socket: o.socket, file: path });
    o.log('imported airgap images', { file, images: names, ms: Math.round(performance.now() - started) });
    return names;
  } catch (err) {
    o.log('could not import airgap image archive', { file, error: (err as Error).message });
    return [];
  }
}

export async function importAirgapImages(o: AirgapOptions, seen: Seen = new Map()): Promise<string[]> {
  let files: string[];
  try {
    files = (await readdir(o.dir)).filter((f) => ARCHIVE.test(f)).sort();
  } catch {
    return [];
  }
  const imported: string[] = [];
  for (const f of files) imported.push(...(await importOne(o, f, seen)));
  return imported;
}

/** Imports what is there now, then whatever arrives; `close()` stops watching. */
export async function watchAirgapImages(o: AirgapOptions): Promise<{ close(): void }> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const seen: Seen = new Map();
  await importAirgapImages(o, seen);
  const timers = new Map<string, NodeJS.Timeout>();
  let queue = Promise.resolve();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(o.dir, (_event, name) => {
      const file = name?.toString();
      if (!file || !ARCHIVE.test(file)) return;
      clearTimeout(timers.get(file));
      timers.set(
        file,
        setTimeout(() => {
          timers.delete(file);
          // One import at a time: ctr unpacking two archives at once only slows both.
          queue = queue.then(() => importOne(o, file, seen).then(() => undefined));
        }, SETTLE_MS),
      );
    });
    watcher.on('error', (err) => o.log('watching the airgap image directory failed', { dir: o.dir, error: err.message }));
  } catch (err) {
    o.log('cannot watch the airgap image directory; archives copied in are imported at the next start', { dir: o.dir, error: (err as Error).message });
  }
  return {
    close() {
      watcher?.close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
