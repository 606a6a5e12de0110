// One k3ts server as a child process: started on a data dir, timed from spawn to the first 200 from
// /readyz, stopped by its PID with SIGTERM (SIGKILL if it has not exited after 15 s).
import { spawn, type ChildProcess } from 'node:child_process';
import { NODE_FLAGS } from '../src/local-cluster/node-flags.js';
import https from 'node:https';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)); // dist/bench/ -> repo root
const binPath = fileURLToPath(new URL('../../bin/k3ts', import.meta.url));

export interface ServerOptions {
  dataDir: string;
  port: number;
  kubeconfigPath: string;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', dir]. */
  nodeFlags?: string[];
  /** 127.0.0.1 unless nodes in a network namespace must reach it (the host's bridge address). */
  bindAddress?: string;
  /** More server flags, e.g. ['--token-auth-file', path]. */
  extraArgs?: string[];
  /** Another build's bin/k3ts, to compare against (default: this checkout's). */
  bin?: string;
  /** More environment, e.g. K3TS_DATASTORE_ENDPOINT (which keeps a password out of `ps`). */
  env?: Record<string, string>;
}

export interface StartedServer {
  pid: number;
  /** Spawn -> first 200 from /readyz, as the client sees it. */
  readyMs: number;
  /** performance.now() when /readyz first answered 200. */
  readyAt: number;
  /** The server's own startupMs from its "ready" log line (undefined if not seen yet). */
  loggedStartupMs: number | undefined;
  stderrTail(): string;
  stop(): Promise<void>;
}

function readyzOnce(host: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    // The CA does not exist before the first start has written it, so readiness polling does not verify
    // the certificate (the same on every start); the benchmark's own requests do.
    const req = https.request(
      { host, port, path: '/readyz', method: 'GET', agent: false, rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

export async function startServer(opts: ServerOptions): Promise<StartedServer> {
  const args = [
    // The flags bin/k3ts's first line gives a server users start (a shebang `node bin/k3ts` skips).
    ...NODE_FLAGS,
    ...(opts.nodeFlags ?? []),
    opts.bin ?? binPath,
    'server',
    '--data-dir', opts.dataDir,
    '--https-listen-port', String(opts.port),
    '--bind-address', opts.bindAddress ?? '127.0.0.1',
    '--write-kubeconfig', opts.kubeconfigPath,
    '--disable-agent',
    ...(opts.extraArgs ?? []),
  ];
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
  let stderr = '';
  let loggedStartupMs: number | undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
    const m = /server is ready.*startupMs=(\d+)/.exec(stderr);
    if (m && loggedStartupMs === undefined) loggedStartupMs = Number(m[1]);
  });
  let exited: { code: number | null; signal: string | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const pid = child.pid!;

  let readyMs = NaN;
  let readyAt = NaN;
  const deadline = t0 + 30_000;
  for (;;) {
    if (exited) throw new Error(`server exited (code ${exited.code}, signal ${exited.signal}) before ready:\n${stderr}`);
    const status = await readyzOnce(opts.bindAddress ?? '127.0.0.1', opts.port);
    if (status === 200) {
      readyAt = performance.now();
      readyMs = readyAt - t0;
      break;
    }
    if (performance.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new Error(`server not ready within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  // The log line may trail the first 200 by a moment.
  for (let i = 0; i < 50 && loggedStartupMs === undefined; i++) await new Promise((r) => setTimeout(r, 10));

  return {
    pid,
    readyMs,
    readyAt,
    get loggedStartupMs() {
      return loggedStartupMs;
    },
    stderrTail: () => stderr,
    stop: async () => {
      if (exited) return;
      process.kill(pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (!exited) process.kill(pid, 'SIGKILL');
      }, 15_000);
      await exitPromise;
      clearTimeout(killer);
    },
  };
}

/** A port nobody listens on right now (the kernel's choice for port 0). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
