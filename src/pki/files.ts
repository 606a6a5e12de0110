import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes through a temporary file and a rename, so a crash never leaves half a key or a kubeconfig
 * that kubectl cannot parse, and sets `mode` explicitly because the umask would otherwise apply.
 * Missing parent directories are created with `dirMode`.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode: number, dirMode = 0o700): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: dirMode });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, data, { mode, flag: 'wx' });
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Tightens (or loosens) a file that is kept as it is, e.g. a key an operator copied in with 0644. */
export async function ensureMode(path: string, mode: number): Promise<void> {
  if (((await stat(path)).mode & 0o777) !== mode) await chmod(path, mode);
}
