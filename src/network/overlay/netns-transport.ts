// The peer check's sockets inside a named network namespace, for tests and benches that run several
// nodes from one process: a helper process per namespace (probe-agent.ts), stopped by its PID.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProbeTarget, ProbeTransport } from './probe-transport.js';

const AGENT = fileURLToPath(new URL('./probe-agent.js', import.meta.url));

export interface NetnsProbeTransport extends ProbeTransport {
  readonly pid: number;
}

export async function netnsProbeTransport(ns: string): Promise<NetnsProbeTransport> {
  const child = spawn('nsenter', [`--net=/var/run/netns/${ns}`, process.execPath, AGENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  let exited = false;
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, () => resolve());
    child.once('exit', (code) => {
      exited = true;
      reject(new Error(`probe agent in ${ns} exited (${code})`));
      // Calls in flight when the helper dies count as unanswered probes.
      for (const done of pending.values()) done(undefined);
      pending.clear();
    });
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const { id, result } = JSON.parse(line) as { id: number; result: unknown };
    pending.get(id)?.(result);
    pending.delete(id);
  });
  const call = (req: Record<string, unknown>) =>
    new Promise<unknown>((resolve) => {
      if (exited) return resolve(undefined);
      const id = nextId++;
      pending.set(id, resolve);
      child.stdin!.write(`${JSON.stringify({ id, ...req })}\n`);
    });
  await ready;
  return {
    pid: child.pid!,
    async listen(addresses: string[], port: number) {
      await call({ op: 'listen', addresses, port });
    },
    async probe(targets: ProbeTarget[], timeoutMs: number) {
      const r = await call({ op: 'probe', targets, timeoutMs });
      return Array.isArray(r) ? (r as boolean[]) : targets.map(() => false);
    },
    async close() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(timer);
    },
  };
}
