// The node's airgap image directory (<data-dir>/agent/images, as K3s's): every archive found there
// is imported into the node's containerd when the agent starts, so machines without a registry can
// run images someone copied over. Files that cannot be imported are reported and skipped.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { importImageArchive } from './import.js';

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/;

export async function importAirgapImages(o: {
  socket: string;
  dir: string;
  log(msg: string, fields?: Record<string, unknown>): void;
}): Promise<string[]> {
  let files: string[];
  try {
    files = (await readdir(o.dir)).filter((f) => ARCHIVE.test(f)).sort();
  } catch {
    return [];
  }
  const imported: string[] = [];
  for (const f of files) {
    const started = performance.now();
    try {
      const names = await importImageArchive({ socket: o.socket, file: join(o.dir, f) });
      imported.push(...names);
      o.log('imported airgap images', { file: f, images: names, ms: Math.round(performance.now() - started) });
    } catch (err) {
      o.log('could not import airgap image archive', { file: f, error: (err as Error).message });
    }
  }
  return imported;
}
