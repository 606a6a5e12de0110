// Exec probes: a command run in the container through the runtime; exit 0 is healthy.
import type { ExecAction } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../../runtime/types.js';
import { MAX_OUTPUT_BYTES, type ProbeAttempt } from './types.js';

export interface ExecProbeOptions {
  runtime: Pick<ContainerRuntime, 'execSync'>;
  containerId: string;
  timeoutSeconds: number;
  /** How long past the timeout we wait for the runtime to report it before giving up ourselves. */
  graceMs: number;
}

/** The runtime says the command ran out of time: CRI's DeadlineExceeded, or the simulator's words. */
const isTimeout = (err: unknown) => {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return e?.code === 'DEADLINE_EXCEEDED' || /timed? ?out|deadline exceeded/i.test(String(e?.message ?? ''));
};

export async function execProbe(action: ExecAction, o: ExecProbeOptions): Promise<ProbeAttempt> {
  const command = action.command ?? [];
  const timedOut: ProbeAttempt = { result: 'failure', output: `command ${JSON.stringify(command.join(' '))} timed out` };
  // A runtime that never answers must not stall the worker: our own deadline backs the runtime's.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), o.timeoutSeconds * 1000 + o.graceMs);
  });
  try {
    const res = await Promise.race([o.runtime.execSync(o.containerId, command, o.timeoutSeconds), deadline]);
    if (res === 'deadline') return timedOut;
    // Upstream gives the combined output; CRI hands stdout and stderr apart, so they come in that order.
    const output = Buffer.concat([res.stdout, res.stderr]).subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
    return { result: res.exitCode === 0 ? 'success' : 'failure', output };
  } catch (err) {
    if (isTimeout(err)) return timedOut;
    return { result: 'unknown', output: (err as Error)?.message ?? String(err) };
  } finally {
    clearTimeout(timer);
  }
}
