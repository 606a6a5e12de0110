// End-to-end harness: runs the real `bin/k3ts server` in a temp dir and drives it with real kubectl
// binaries, so tests assert exactly what a user would see on their terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { after, before, describe } from 'node:test';

/** The repository root, whether this file runs from test/e2e (tsx) or dist/test/e2e (compiled). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root above the e2e harness');
    dir = up;
  }
  return dir;
})();
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'e2e');

export interface KubectlBinary {
  /** Used as the describe() title, so test names say which kubectl failed. */
  name: string;
  bin: string;
}

function onPath(cmd: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, cmd);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return cmd; // left unresolved: running it fails the tests with ENOENT, which is what we want
}

/**
 * Every kubectl test runs once per binary. The machine's `kubectl` is Google Cloud SDK's dispatcher,
 * which picks kubectl 1.32 for a server reporting minor 32; 1.35 comes from scripts/fetch-kubectl.mjs.
 * A missing binary is a failure of every test that uses it, never a skip.
 */
export const kubectls: KubectlBinary[] = [
  { name: 'kubectl 1.32 (PATH dispatcher)', bin: onPath('kubectl') },
  { name: 'kubectl 1.35', bin: join(repoRoot, '.cache', 'kubectl-1.35', 'kubectl') },
];

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command line, for assertion messages. */
  command: string;
}

export interface KubectlOptions {
  bin?: string;
  /** Written to stdin; stdin is always closed so kubectl never waits for a prompt. */
  input?: string;
  env?: Record<string, string>;
  /** Another kubeconfig (e.g. one without credentials); defaults to the admin kubeconfig. */
  kubeconfig?: string;
  timeoutMs?: number;
}

export interface ServerOptions {
  /** Passed as --token. */
  token?: string;
  /** CSV lines `token,user,uid,"g1,g2"`, written to a file and passed as --token-auth-file. */
  tokenAuthCsv?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

/** A running kubectl started with {@link TestServer.background}; `stop()` kills it by PID. */
export interface BackgroundKubectl {
  pid: number | undefined;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves once stdout matches, or rejects after timeoutMs with what was printed. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<KubectlResult>;
  /** Resolves when it exits by itself. */
  done: Promise<KubectlResult>;
}

const live = new Set<ChildProcess>();
let exitHooksInstalled = false;

/** A test process that is killed (file timeout, Ctrl-C) must not leave servers behind. */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const killAll = () => {
    for (const child of live) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  process.on('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    });
  }
}

function track(child: ChildProcess): void {
  installExitHooks();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

function httpsGet(url: string, ca: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request(url, { ca, timeout: timeoutMs, headers }, (resp) => {
      let body = '';
      resp.setEncoding('utf8');
      resp.on('data', (c: string) => (body += c));
      resp.on('end', () => res({ status: resp.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', rej);
    req.end();
  });
}

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  [key: string]: unknown;
}

export class TestServer {
  readonly root: string;
  readonly dataDir: string;
  readonly kubeconfig: string;
  readonly workDir: string;
  port = 0;
  private proc: ChildProcess | undefined;
  private stderrBuf = '';
  private stdoutBuf = '';
  private caPem = '';
  private stopped = false;

  private constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'k3ts-e2e-'));
    this.dataDir = join(this.root, 'data');
    this.kubeconfig = join(this.root, 'kubeconfig.yaml');
    this.workDir = join(this.root, 'work');
    mkdirSync(this.workDir, { recursive: true });
  }

  /** Starts `bin/k3ts server` and resolves once /readyz answers 200 over verified TLS. */
  static async start(options: ServerOptions = {}): Promise<TestServer> {
    const server = new TestServer();
    try {
      await server.launch(options);
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get serverLog(): string {
    return this.stderrBuf + this.stdoutBuf;
  }

  /** The server token the server wrote for joining agents. */
  get serverToken(): string {
    return readFileSync(join(this.dataDir, 'server', 'token'), 'utf8').trim();
  }

  private async launch(options: ServerOptions): Promise<void> {
    // K3TS_BIN runs the suite against another build of the server.
    const bin = process.env.K3TS_BIN ? resolve(process.env.K3TS_BIN) : join(repoRoot, 'bin', 'k3ts');
    if (!existsSync(bin)) throw new Error(`${bin} does not exist: the server CLI is not there yet`);
    this.port = await freePort();
    const args = [
      'server',
      '--data-dir', this.dataDir,
      '--https-listen-port', String(this.port),
      '--bind-address', '127.0.0.1',
      '--write-kubeconfig', this.kubeconfig,
      '--disable-agent',
    ];
    if (options.token) args.push('--token', options.token);
    if (options.tokenAuthCsv !== undefined) {
      const csv = join(this.root, 'tokens.csv');
      writeFileSync(csv, options.tokenAuthCsv.endsWith('\n') ? options.tokenAuthCsv : `${options.tokenAuthCsv}\n`);
      args.push('--token-auth-file', csv);
    }
    args.push(...(options.extraArgs ?? []));

    const proc = spawn(bin, args, { cwd: this.root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    track(proc);
    proc.stdout?.setEncoding('utf8').on('data', (c: string) => (this.stdoutBuf = tail(this.stdoutBuf + c, 64_000)));
    proc.stderr?.setEncoding('utf8').on('data', (c: string) => (this.stderrBuf = tail(this.stderrBuf + c, 64_000)));
    let spawnError: Error | undefined;
    proc.once('error', (e) => (spawnError = e));

    const timeoutMs = options.readyTimeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    let last = 'kubeconfig not written yet';
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot start ${bin}: ${spawnError.message}`);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`k3ts server exited (${proc.exitCode ?? proc.signalCode}) before it was ready; output:\n${tail(this.serverLog)}`);
      }
      if (!this.caPem && existsSync(this.kubeconfig)) {
        try {
          this.caPem = this.readCa();
        } catch (e) {
          last = `kubeconfig unreadable: ${(e as Error).message}`;
        }
      }
      if (this.caPem) {
        try {
          const r = await httpsGet(`${this.url}/readyz`, this.caPem, 2000);
          if (r.status === 200 && r.body.trim() === 'ok') return;
          last = `/readyz answered ${r.status}: ${r.body.slice(0, 200)}`;
        } catch (e) {
          last = `/readyz: ${(e as Error).message}`;
        }
      }
      await sleep(100);
    }
    throw new Error(`k3ts server not ready after ${timeoutMs} ms (${last}); output:\n${tail(this.serverLog)}`);
  }

  private readKubeconfig(): KubeconfigDoc {
    return parse(readFileSync(this.kubeconfig, 'utf8')) as KubeconfigDoc;
  }

  private readCa(): string {
    const cluster = this.readKubeconfig().clusters?.[0]?.cluster ?? {};
    const data = cluster['certificate-authority-data'];
    if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
    const file = cluster['certificate-authority'];
    if (typeof file === 'string') return readFileSync(resolve(dirname(this.kubeconfig), file), 'utf8');
    throw new Error('no certificate-authority(-data) in the kubeconfig');
  }

  /**
   * Writes a copy of the admin kubeconfig whose user has no client certificate, only the given
   * bearer token or basic credentials if any. Returns its path. (With no credentials at all kubectl
   * prompts for a username before sending anything, so 401 tests give it credentials the server refuses.)
   */
  kubeconfigFor(options: { name: string; token?: string; username?: string; password?: string }): string {
    const doc = this.readKubeconfig();
    const user: Record<string, unknown> = {};
    if (options.token) user.token = options.token;
    if (options.username) user.username = options.username;
    if (options.password) user.password = options.password;
    doc.users = doc.users.map((u) => ({ name: u.name, user }));
    const path = join(this.root, `kubeconfig-${options.name}.yaml`);
    writeFileSync(path, stringify(doc));
    return path;
  }

  /** A plain HTTPS GET that trusts the server's CA and sends no client certificate. */
  async rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return httpsGet(`${this.url}${path}`, this.caPem, 10_000, headers);
  }

  private cacheDirFor(bin: string): string {
    // One discovery cache per binary per server: every kubectl starts cold against this server.
    return join(this.root, 'kubecache', bin.replace(/[^A-Za-z0-9._-]+/g, '_'));
  }

  private env(bin: string, options: KubectlOptions): NodeJS.ProcessEnv {
    const home = join(this.root, 'home');
    mkdirSync(home, { recursive: true });
    return {
      ...process.env,
      // The gcloud dispatcher caches /version under ~/.kube/cache; a private HOME keeps it per server.
      HOME: home,
      KUBECONFIG: options.kubeconfig ?? this.kubeconfig,
      KUBECACHEDIR: this.cacheDirFor(bin),
      ...options.env,
    };
  }

  private spawnKubectl(args: string[], options: KubectlOptions) {
    const bin = options.bin ?? kubectls[0]!.bin;
    const command = `${bin} ${args.map((a) => (/^[\w./:=,@+-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
    const child = spawn(bin, args, { cwd: this.workDir, env: this.env(bin, options), stdio: ['pipe', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin!.on('error', () => {});
    child.stdin!.end(options.input ?? '');
    const done = new Promise<KubectlResult>((res) => {
      child.once('error', (e) => {
        stderr += `spawn ${bin}: ${e.message}`;
        res({ code: 127, stdout, stderr, command });
      });
      child.once('close', (code, signal) => res({ code: code ?? (signal ? 128 : null), stdout, stderr, command }));
    });
    return { child, done, command, output: () => ({ stdout, stderr }) };
  }

  /** Runs kubectl against this server and returns what it printed. Never throws for a non-zero exit. */
  async kubectl(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
    const run = this.spawnKubectl(args, options);
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const first = await Promise.race([run.done, timedOut]);
    clearTimeout(timer);
    if (first !== 'timeout') return first;
    if (run.child.pid !== undefined) {
      try {
        process.kill(run.child.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    const result = await run.done;
    return { ...result, code: null, stderr: `${result.stderr}\n[harness: killed after ${timeoutMs} ms]` };
  }

  /** Starts kubectl without waiting (for `get -w`); the caller stops it by PID with `stop()`. */
  background(args: string[], options: KubectlOptions = {}): BackgroundKubectl {
    const run = this.spawnKubectl(args, options);
    return {
      pid: run.child.pid,
      output: run.output,
      done: run.done,
      async waitFor(pattern: RegExp, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        while (!pattern.test(run.output().stdout)) {
          if (run.child.exitCode !== null || run.child.signalCode !== null) {
            const o = run.output();
            throw new Error(`${run.command} exited before printing ${pattern}:\n${o.stdout}\n${o.stderr}`);
          }
          if (Date.now() > deadline) {
            const o = run.output();
            throw new Error(`${run.command} did not print ${pattern} within ${timeoutMs} ms:\n${o.stdout}\n${o.stderr}`);
          }
          await sleep(50);
        }
      },
      async stop() {
        if (run.child.pid !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
          try {
            process.kill(run.child.pid, 'SIGTERM');
          } catch {
            // exited meanwhile
          }
        }
        return run.done;
      },
    };
  }

  /** Writes a file into this server's work dir (kubectl's cwd) and returns its absolute path. */
  writeFile(name: string, content: string): string {
    const path = join(this.workDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  }

  /** SIGTERM by PID, SIGKILL after 5 s, then removes the temp dir. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const proc = this.proc;
    if (proc?.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      try {
        process.kill(proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const inTime = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!inTime) {
        try {
          process.kill(proc.pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
        await exited;
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Fails with the command and everything kubectl printed unless it exited 0. */
export function expectOk(r: KubectlResult): string {
  if (r.code !== 0) {
    throw new Error(`expected success, got exit ${r.code}\n$ ${r.command}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r.stdout;
}

/** Fails unless kubectl exited non-zero and printed `expected` (substring or pattern) on stderr. */
export function expectError(r: KubectlResult, expected: string | RegExp): string {
  const matches = typeof expected === 'string' ? r.stderr.includes(expected) : expected.test(r.stderr);
  if (r.code === 0 || r.code === null || !matches) {
    throw new Error(
      `expected a failure printing ${typeof expected === 'string' ? JSON.stringify(expected) : expected}, got exit ${r.code}\n` +
        `$ ${r.command}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
  return r.stderr;
}

/** Asserts that text matches a pattern, showing the whole text when it does not. */
export function expectMatch(text: string, pattern: RegExp, what = 'output'): RegExpMatchArray {
  const m = text.match(pattern);
  if (!m) throw new Error(`${what} does not match ${pattern}:\n${text}`);
  return m;
}

export interface KubectlSuite {
  /** The file's server, started before any of its tests. */
  readonly server: TestServer;
  readonly k: KubectlBinary;
  readonly index: number;
  /** A namespace of this kubectl's own, created before its tests unless told otherwise. */
  readonly ns: string;
  kc(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
}

/** One server for the enclosing file, and `body` once per kubectl binary, each in its own namespace. */
export function describeWithKubectls(
  title: string,
  opts: { nsPrefix: string; server?: ServerOptions; timeout?: number; /** Default true. */ createNamespace?: boolean },
  body: (t: KubectlSuite) => void,
): void {
  describe(title, { timeout: opts.timeout ?? 60_000 }, () => {
    let server: TestServer | undefined;
    before(async () => {
      server = await TestServer.start(opts.server);
    });
    after(async () => {
      await server?.stop();
    });
    kubectls.forEach((k, index) => {
      describe(k.name, () => {
        const ns = `${opts.nsPrefix}-${index}`;
        const t: KubectlSuite = {
          get server() {
            if (!server) throw new Error('the test server did not start');
            return server;
          },
          k,
          index,
          ns,
          kc: (args, options = {}) => t.server.kubectl(args, { bin: k.bin, ...options }),
        };
        if (opts.createNamespace !== false) {
          before(async () => {
            expectOk(await t.kc(['create', 'namespace', ns]));
          });
        }
        body(t);
      });
    });
  });
}
