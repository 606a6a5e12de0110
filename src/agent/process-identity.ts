// A process this project started, named so it can be signalled later without hitting a stranger: a
// PID alone can be reused by another program after ours exits, so each is recorded with its kernel
// start time and only signalled while both still match.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot when it started. */
  startTime: string;
}

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isStillOurs(p: ProcessIdentity): boolean {
  return processStartTime(p.pid) === p.startTime;
}

/** Ours and still running: a process killed a moment ago stays a zombie until its parent reaps it. */
export function isRunning(p: ProcessIdentity): boolean {
  return isStillOurs(p) && !isZombie(p.pid);
}

export const currentProcess = (): ProcessIdentity => ({ pid: process.pid, startTime: processStartTime(process.pid) ?? '' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; true when it is gone. Never signals a reused PID. */
export async function stopProcess(p: ProcessIdentity, graceMs = 10_000): Promise<boolean> {
  if (!isStillOurs(p)) return true;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return true;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isStillOurs(p) || isZombie(p.pid)) return true;
    await sleep(100);
  }
  try {
    if (isStillOurs(p)) process.kill(p.pid, 'SIGKILL');
  } catch {
    // gone in between
  }
  await sleep(200);
  return !isStillOurs(p) || isZombie(p.pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
