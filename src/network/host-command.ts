// Commands the network layer runs on the host (ip, iptables-restore, sysctl): one way to run them,
// with stdin, in the current network namespace or (for tests and `k3ts up`'s nodes) a named one.
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunCommand = (cmd: string, args: string[], input?: string) => Promise<CommandResult>;

/** How a node's network part stops: by default it removes what it put in the kernel; an agent that
 *  is only restarting leaves it (as K3s does), so pods keep their network meanwhile and the next
 *  start takes it over. `k3ts killall` removes it then. */
export interface NetworkStopOptions {
  leaveInPlace?: boolean;
}

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly args: string[], readonly result: CommandResult) {
    super(`${cmd} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim() || 'no output'}`);
  }
}

/** Runs a command to its end; never throws for a non-zero exit (see `mustRun`). */
export const runCommand: RunCommand = (cmd, args, input) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e) => resolve({ code: 127, stdout: '', stderr: `${cmd}: ${e.message}` }));
    child.once('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });

/** The same commands inside network namespace `ns` (one `ip netns add` made). */
export function runInNetns(ns: string, run: RunCommand = runCommand): RunCommand {
  return (cmd, args, input) => run('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

export async function mustRun(run: RunCommand, cmd: string, args: string[], input?: string): Promise<string> {
  const result = await run(cmd, args, input);
  if (result.code !== 0) throw new CommandError(cmd, args, result);
  return result.stdout;
}
