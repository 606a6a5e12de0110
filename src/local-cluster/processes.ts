// Processes `k3ts up` starts and `k3ts down` stops, each recorded with its start time (see
// agent/process-identity.ts) and the log it writes.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { processStartTime, type ProcessIdentity } from '../agent/process-identity.js';
import { NODE_FLAGS } from './node-flags.js';

export { isStillOurs, stopProcess } from '../agent/process-identity.js';

export interface RecordedProcess extends ProcessIdentity {
  role: string;
  log: string;
}

/** Starts `node <flags> <script> ...args` in its own session, output to `log`, not tied to this
 *  process; inside the network namespace at `netnsPath` when given. nsenter (only the network
 *  namespace, so no fork) execs Node in place: the PID recorded is Node's. Not `ip netns exec`: it
 *  remounts /sys, and runc then finds no cgroup mount. */
export function startDetached(role: string, script: string, args: string[], log: string, netnsPath?: string): RecordedProcess {
  const fd = openSync(log, 'a', 0o600);
  try {
    const node = [process.execPath, ...NODE_FLAGS, script, ...args];
    const [cmd, ...argv] = netnsPath ? ['nsenter', `--net=${netnsPath}`, '--', ...node] : node;
    const child = spawn(cmd!, argv, { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start the ${role}`);
    return { role, pid, startTime: processStartTime(pid) ?? '', log };
  } finally {
    closeSync(fd);
  }
}

/** Starts a program other than k3ts (Prometheus) the same way: own session, output to `log`, recorded
 *  so `k3ts down` stops it with the nodes. */
export function startDetachedProgram(role: string, cmd: string, args: string[], log: string): RecordedProcess {
  const fd = openSync(log, 'a', 0o600);
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${role}`);
    return { role, pid, startTime: processStartTime(pid) ?? '', log };
  } finally {
    closeSync(fd);
  }
}
