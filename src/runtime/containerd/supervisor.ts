// The node's own containerd, run as a child of the agent: started with the config the agent wrote,
// waited for until it answers CRI, started again if it dies, and stopped on the agent's way out.
// Containers run under their shims, not under containerd, so they outlive both a containerd restart
// and an agent restart; `k3ts killall` is what removes them.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { connectCri, type CriClient } from './cri/client.js';
import type { ContainerdPaths } from './config.js';

export interface SupervisorOptions {
  paths: ContainerdPaths;
  binary?: string;
  /** How long a fresh containerd may take to answer CRI. */
  startTimeoutMs?: number;
  log(msg: string, fields?: Record<string, unknown>): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ContainerdSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private readonly exitListeners = new Set<() => void>();

  constructor(private readonly o: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves once containerd answers CRI Version; throws with its log's tail if it never does. */
  async start(): Promise<void> {
    this.stopping = false;
    this.spawnOnce();
    await this.waitReady();
  }

  /** Called whenever containerd went away unexpectedly (before it is started again). */
  onExit(listener: () => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const inTime = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!inTime) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  private spawnOnce(): void {
    const p = this.o.paths;
    mkdirSync(p.dir, { recursive: true, mode: 0o700 });
    const logFd = openSync(p.log, 'a', 0o600);
    try {
      // Its own process group: a Ctrl-C in the agent's terminal is the agent's to handle.
      const child = spawn(this.o.binary ?? 'containerd', ['--config', p.config], { stdio: ['ignore', logFd, logFd], detached: true });
      this.child = child;
      child.once('error', (err) => this.o.log('containerd could not be started', { error: err.message }));
      child.once('exit', (code, signal) => {
        if (this.stopping || this.child !== child) return;
        for (const l of this.exitListeners) l();
        this.restarts++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(this.restarts - 1, 6));
        this.o.log('containerd exited; starting it again', { code, signal, inMs: delay });
        setTimeout(() => {
          if (this.stopping) return;
          this.spawnOnce();
          this.waitReady().then(
            () => {
              this.restarts = 0;
              this.o.log('containerd is back');
            },
            (err) => this.o.log('containerd did not come back', { error: (err as Error).message }),
          );
        }, delay).unref();
      });
    } finally {
      closeSync(logFd);
    }
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + (this.o.startTimeoutMs ?? 20_000);
    let last = 'no socket yet';
    while (Date.now() < deadline) {
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`containerd exited while starting (${child?.exitCode ?? child?.signalCode}); see ${this.o.paths.log}`);
      }
      if (existsSync(this.o.paths.socket)) {
        let cri: CriClient | undefined;
        try {
          cri = connectCri(this.o.paths.socket, { defaultDeadlineMs: 2000 });
          await cri.runtime.Version!({ version: 'v1' });
          return;
        } catch (err) {
          last = (err as Error).message;
        } finally {
          cri?.close();
        }
      }
      await sleep(100);
    }
    throw new Error(`containerd did not answer within ${this.o.startTimeoutMs ?? 20_000} ms (${last}); see ${this.o.paths.log}`);
  }
}
