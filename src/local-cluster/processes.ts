// Processes `k3ts up` starts and `k3ts down` stops. A PID alone can be reused by another program
// after ours exits, so each is recorded with its kernel start time and only signalled if both match.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { NODE_FLAGS } from './node-flags.js';

export interface RecordedProcess {
  role: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot when it started. */
  startTime: string;
  log: string;
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

export function isStillOurs(p: RecordedProcess): boolean {
  return processStartTime(p.pid) === p.startTime;
}

/** Starts `node <flags> <script> ...args` in its own session, output to `log`, not tied to this process. */
export function startDetached(role: string, script: string, args: string[], log: string): RecordedProcess {
  const fd = openSync(log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [...NODE_FLAGS, script, ...args], { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start the ${role}`);
    return { role, pid, startTime: processStartTime(pid) ?? '', log };
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; true when it is gone. Never signals a reused PID. */
export async function stopProcess(p: RecordedProcess, graceMs = 10_000): Promise<boolean> {
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
