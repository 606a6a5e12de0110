// A volumeMount's subPath mounts part of a volume. The container can write into many volumes, so
// it can plant a symlink (`data -> /etc`) that a later container's subPath walks through: every
// step is resolved here and the result must stay inside the volume, else nothing is mounted.
import { chmod, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * The real host path `subPath` names inside `volumeDir`. Missing directories are made (with the
 * volume's own mode, as upstream does) when `create` is set, for volumes the container may write.
 * Throws with the reason when the path leaves the volume or does not exist.
 */
export async function resolveSubPath(volumeDir: string, subPath: string, o: { create: boolean }): Promise<string> {
  if (isAbsolute(subPath)) throw new Error(`subPath ${JSON.stringify(subPath)} must be a relative path`);
  const parts = subPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error(`subPath ${JSON.stringify(subPath)} must not contain '..'`);
  const root = await realpath(volumeDir);
  const rootMode = (await stat(root)).mode & 0o7777;
  const escapes = () => new Error(`subPath ${JSON.stringify(subPath)} resolves outside the volume`);
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    const next = join(cur, parts[i]!);
    let st;
    try {
      st = await lstat(next);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (!o.create) throw new Error(`subPath ${JSON.stringify(subPath)} does not exist in the volume`);
      await mkdir(next, { mode: rootMode });
      await chmod(next, rootMode);
      cur = next;
      continue;
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(next);
      } catch {
        // A dangling link may point anywhere: never create its target.
        throw new Error(`subPath ${JSON.stringify(subPath)}: ${parts.slice(0, i + 1).join('/')} is a symbolic link to nothing`);
      }
      if (!inside(root, target)) throw escapes();
      cur = target;
    } else {
      if (i < parts.length - 1 && !st.isDirectory()) throw new Error(`subPath ${JSON.stringify(subPath)}: ${parts.slice(0, i + 1).join('/')} is not a directory`);
      cur = next;
    }
  }
  if (!inside(root, cur)) throw escapes();
  return cur;
}
