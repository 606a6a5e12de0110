// A private etcd for tests: Debian's etcd 3.4 on 127.0.0.1, free ports, a temp data dir, its output in
// a log file there. stop() kills only the PID it started and removes the dir; an exit hook does the
// same if the test process dies first, so a failed run leaves nothing behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why real-etcd tests cannot run here, or undefined when they can. Never a reason in CI: there a
 *  missing package must fail the tests, not hide them. */
export function etcdSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (spawnSync('sh', ['-c', 'command -v etcd']).status !== 0) return 'etcd is not installed (apt-get install etcd-server)';
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** PEM files for an etcd that serves TLS and requires client certificates signed by caFile. */
export interface TestEtcdTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A client certificate the server accepts, for the readiness check. */
  clientCertFile: string;
  clientKeyFile: string;
}

export class TestEtcd {
  private child?: ChildProcess;
  private readonly onExit = () => this.child?.kill('SIGKILL');

  private constructor(
    readonly dir: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly tls?: TestEtcdTls,
  ) {
    process.on('exit', this.onExit);
  }

  get endpoint(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.clientPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** `dir` may be made beforehand (to hold TLS files); it is removed by stop() either way. */
  static async start(opts: { dir?: string; tls?: TestEtcdTls } = {}): Promise<TestEtcd> {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'k3ts-etcd-'));
    const etcd = new TestEtcd(dir, await freePort(), await freePort(), opts.tls);
    try {
      await etcd.launch();
    } catch (err) {
      await etcd.stop();
      throw err;
    }
    return etcd;
  }

  /** Starts the etcd process on this instance's dir and ports and waits until it serves. */
  async launch(): Promise<void> {
    const client = this.endpoint;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const log = openSync(join(this.dir, 'etcd.log'), 'a');
    const child = spawn(
      'etcd',
      [
        '--name', 'test',
        '--data-dir', join(this.dir, 'data'),
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `test=${peer}`,
        '--snapshot-count', '10000',
        ...(this.tls
          ? ['--cert-file', this.tls.certFile, '--key-file', this.tls.keyFile, '--client-cert-auth', '--trusted-ca-file', this.tls.caFile]
          : []),
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      try {
        if ((await this.health()) === 'true') return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`etcd did not become healthy on ${client}:\n${this.logTail()}`);
  }

  /** etcd's /health answer ("true" when it serves), over mutual TLS when the server wants it. */
  private health(): Promise<string | undefined> {
    const url = `${this.endpoint}/health`;
    if (!this.tls) return fetch(url).then(async (res) => ((await res.json()) as { health?: string }).health);
    const tls = this.tls;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { ca: readFileSync(tls.caFile), cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve((JSON.parse(body) as { health?: string }).health));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  logTail(): string {
    try {
      return readFileSync(join(this.dir, 'etcd.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Stops the process this instance started (SIGTERM, then SIGKILL) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    await this.kill();
    process.off('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
