// The real mount operations: the `mount` and `umount` binaries (root only), and the kernel's own
// list of mount points. Run through the binaries rather than a native binding so nothing needs
// compiling, and so an administrator can repeat exactly what the kubelet did.
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { promisify } from 'node:util';
import type { MountOps } from './types.js';

const run = promisify(execFile);

async function runTool(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** mountinfo escapes space, tab, newline and backslash in paths as \ooo. */
const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** Mount points from /proc/self/mountinfo (the fifth field of each line). */
export async function readMountPoints(file = '/proc/self/mountinfo'): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => unescape(l.split(' ')[4] ?? ''));
}

export const systemMountOps: MountOps = {
  async mountTmpfs(dir, o) {
    await runTool('mount', ['-t', 'tmpfs', '-o', `size=${Math.max(1, Math.floor(o.sizeBytes))}`, 'tmpfs', dir]);
  },
  async unmount(dir) {
    await runTool('umount', [dir]);
  },
  async mountPointsUnder(dir) {
    // The kernel lists resolved paths: compare against the resolved directory.
    let real: string;
    try {
      real = await realpath(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const prefix = real.endsWith(sep) ? real : real + sep;
    return (await readMountPoints()).filter((p) => p === real || p.startsWith(prefix));
  },
};
