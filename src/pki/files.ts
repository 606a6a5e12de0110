import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Flushes a directory's entries, so a rename or a new file in it survives a power loss. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems cannot fsync a directory; the rename is then as durable as they allow.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Writes through a temporary file and a rename, so a crash never leaves half a key or a kubeconfig
 * that kubectl cannot parse, and sets `mode` explicitly because the umask would otherwise apply.
 * The data is fsynced before the rename and the directory after it: without the first, a power loss
 * can leave the new name pointing at an empty file (a CA key or token gone for good); without the
 * second, the rename itself may be lost. Missing parent directories are created with `dirMode`.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode: number, dirMode = 0o700): Promise<void> {
  const dir = dirname(path);
  const firstCreated = await mkdir(dir, { recursive: true, mode: dirMode });
  if (firstCreated) {
    // New directories are entries in their parents, which must reach the disk too.
    for (let parent = dir; parent !== dirname(firstCreated); parent = dirname(parent)) await syncDirectory(dirname(parent));
  }
  const temporary = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/** Tightens (or loosens) a file that is kept as it is, e.g. a key an operator copied in with 0644. */
export async function ensureMode(path: string, mode: number): Promise<void> {
  if (((await stat(path)).mode & 0o777) !== mode) await chmod(path, mode);
}
