// Runs the real `bin/k3ts agent` against a TestServer: the process a user starts on a worker.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AgentProcess {
  output = '';
  readonly dataDir: string;
  private proc: ChildProcess;
  private exited: Promise<number | null>;
  private ownsDir: boolean;

  constructor(args: { server: string; token: string; nodeName: string; nodeIp?: string; dataDir?: string; extra?: string[] }) {
    this.ownsDir = !args.dataDir;
    this.dataDir = args.dataDir ?? mkdtempSync(join(tmpdir(), 'k3ts-agent-'));
    // Simulated containers unless a test asks for a runtime: joining is what these tests are about.
    const runtime = args.extra?.includes('--runtime') ? [] : ['--runtime', 'sim'];
    const argv = ['agent', '--server', args.server, '--token', args.token, '--node-name', args.nodeName, '--data-dir', this.dataDir, '--node-ip', args.nodeIp ?? '127.0.0.9', ...runtime, ...(args.extra ?? [])];
    this.proc = spawn(join(repoRoot, 'bin', 'k3ts'), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    this.proc.stderr!.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the exit code, or throws if it is still running after `ms`. */
  async exitCode(ms = 15_000): Promise<number | null> {
    return Promise.race([this.exited, sleep(ms).then(() => Promise.reject(new Error(`agent still running after ${ms} ms; output:\n${this.output}`)))]);
  }

  async waitForOutput(pattern: RegExp, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`agent output never matched ${pattern}:\n${this.output}`);
      if (this.proc.exitCode !== null) throw new Error(`agent exited (${this.proc.exitCode}) before printing ${pattern}:\n${this.output}`);
      await sleep(100);
    }
  }

  /** SIGTERM by PID (SIGKILL with `kill`), waits for the exit; keeps the data dir unless `cleanup`. */
  async stop(opts: { kill?: boolean; cleanup?: boolean } = {}): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null && this.proc.pid !== undefined) {
      try {
        process.kill(this.proc.pid, opts.kill ? 'SIGKILL' : 'SIGTERM');
      } catch {
        // already gone
      }
      const inTime = await Promise.race([this.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!inTime) {
        process.kill(this.proc.pid, 'SIGKILL');
        await this.exited;
      }
    }
    if (opts.cleanup !== false && this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
