// Each container instance gets its own empty file, mounted at its terminationMessagePath
// (/dev/termination-log by default); what the process writes there before exiting becomes the
// message of its terminated state. One file per restart, so a new instance never shows the last
// one's message.
import type { Container } from 'kubernetes-types/core/v1.js';
import { chmod, mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mount } from '../../runtime/types.js';

/** Upstream's cap on a termination message: more is cut off. */
export const MAX_TERMINATION_MESSAGE_BYTES = 4096;

const fileOf = (containerDir: string, restartCount: number) => join(containerDir, String(restartCount));

export async function createTerminationLog(containerDir: string, container: Container, restartCount: number): Promise<Mount | undefined> {
  const target = container.terminationMessagePath ?? '/dev/termination-log';
  if (!target) return undefined;
  await mkdir(containerDir, { recursive: true, mode: 0o750 });
  const path = fileOf(containerDir, restartCount);
  await (await open(path, 'w')).close();
  // Any user the container runs as must be able to write it; the umask would take that away.
  await chmod(path, 0o666);
  // Only this instance and the one before it can still be asked about (state and lastState).
  for (const name of await readdir(containerDir)) {
    const n = Number(name);
    if (Number.isInteger(n) && n < restartCount - 1) await rm(join(containerDir, name), { force: true });
  }
  return { containerPath: target, hostPath: path, readOnly: false };
}

export async function readTerminationLog(containerDir: string, restartCount: number): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(fileOf(containerDir, restartCount), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const buf = Buffer.alloc(MAX_TERMINATION_MESSAGE_BYTES);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    await fh.close();
  }
}
