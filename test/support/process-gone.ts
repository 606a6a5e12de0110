import { readFileSync } from 'node:fs';

/** Exited (or a zombie waiting for its parent to reap it): what a SIGKILL test waits for. */
export function processGone(pid: number): boolean {
  try {
    return /^Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '');
  } catch {
    return true;
  }
}
