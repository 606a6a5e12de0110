// What the private PostgreSQL and MariaDB servers of the tests share: a free port on 127.0.0.1, the
// uid of the system account a server must run as (both refuse root), and a child process we started
// ourselves and stop by its own PID — never by name, so a developer's own database is never touched.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port nobody listens on right now on `host` (the managed-etcd tests use 127.0.0.2 and up). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** uid/gid of a local account from /etc/passwd (no lookup helper in Node), or undefined if absent. */
export function systemAccount(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** A server process we spawned, with its output kept for error messages. */
export class DbProcess {
  private output = '';
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess, readonly label: string) {
    child.stdout?.on('data', (d: Buffer) => this.keep(d));
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    // If the test process dies before its teardown runs, the server must not outlive it.
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    this.exited = new Promise((resolve) => child.once('exit', () => {
      process.removeListener('exit', orphanGuard);
      resolve();
    }));
  }

  static start(label: string, command: string, args: string[], account?: { uid: number; gid: number }): DbProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(account ?? {}) });
    return new DbProcess(child, label);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last few KB the server printed, for a failure message. */
  log(): string {
    return this.output.slice(-3000);
  }

  /** Polls `ready` until it resolves true; fails early if the server exits, or after `timeoutMs`. */
  async waitReady(ready: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.label} exited during startup:\n${this.log()}`);
      if (await ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.label} not ready after ${timeoutMs} ms:\n${this.log()}`);
  }

  /** Signals our own PID (each server names its fast, clean shutdown signal), SIGKILL if it lingers. */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private keep(data: Buffer): void {
    this.output = (this.output + data.toString()).slice(-20_000);
  }
}
