// Memory-backed directories: emptyDir with medium Memory, and (when enabled) Secret and projected
// volumes, so their content never reaches a disk.
import { realpath } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { parseQuantity } from '../../registry/validation/quantity.js';
import type { MountOps } from './types.js';

/** sizeLimit when given, else half of the machine's memory (the kernel's own default for tmpfs). */
export function tmpfsSize(sizeLimit: string | undefined): number {
  const limit = parseQuantity(sizeLimit);
  return limit !== undefined && limit > 0 ? Math.ceil(limit) : Math.floor(totalmem() / 2);
}

/**
 * Mounts a tmpfs on `dir` unless one is already there (a second set-up, or an agent restart, must
 * not hide the files behind a fresh empty mount). `known` remembers what this process mounted or
 * found, so a refresh does not read the mount table every time.
 */
export async function ensureTmpfs(mount: MountOps, dir: string, sizeBytes: number, known: Set<string>): Promise<void> {
  if (known.has(dir)) return;
  const real = await realpath(dir);
  const points = await mount.mountPointsUnder(dir);
  if (!points.includes(real) && !points.includes(dir)) await mount.mountTmpfs(dir, { sizeBytes });
  known.add(dir);
}
