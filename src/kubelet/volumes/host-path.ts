// A hostPath volume is the host's own path; its `type` says what must be there first (or be made),
// with the error texts upstream's kubelet gives so a search for them finds the same answers.
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isAbsolute } from 'node:path';

async function statOf(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const failed = (path: string, what: string) => new Error(`hostPath type check failed: ${path} is not ${what}`);

async function createFile(path: string): Promise<void> {
  try {
    await (await open(path, 'wx', 0o644)).close();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Like upstream, the parent is not made: a missing one is most likely a typo.
    if (code === 'ENOENT') throw new Error(`hostPath type check failed: cannot create file ${path}: its parent directory does not exist`);
    if (code === 'EEXIST') return; // made by someone else meanwhile: checked as it is
    throw err;
  }
  await chmod(path, 0o644);
}

/** Checks (and for the *OrCreate types makes) the path; throws with the user-facing reason. */
export async function prepareHostPath(path: string, type: string | undefined): Promise<void> {
  if (!isAbsolute(path)) throw new Error(`hostPath ${JSON.stringify(path)} must be an absolute path`);
  const t = type ?? '';
  // No check at all, as upstream: the runtime makes a missing directory when it mounts.
  if (t === '') return;
  let st = await statOf(path);
  if (!st && t === 'DirectoryOrCreate') {
    await mkdir(path, { recursive: true, mode: 0o755 });
    await chmod(path, 0o755);
    st = await statOf(path);
  } else if (!st && t === 'FileOrCreate') {
    await createFile(path);
    st = await statOf(path);
  }
  // What is there (found or just made) must be of the kind asked for.
  switch (t) {
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st?.isDirectory()) throw failed(path, 'a directory');
      return;
    case 'FileOrCreate':
    case 'File':
      if (!st?.isFile()) throw failed(path, 'a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) throw failed(path, 'a socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw failed(path, 'a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw failed(path, 'a block device');
      return;
    default:
      throw new Error(`hostPath type check failed: ${JSON.stringify(type)} is not a valid hostPath type`);
  }
}
