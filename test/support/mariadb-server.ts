// A private MariaDB for tests: mariadb-install-db into a temp dir, then `mariadbd` on a free 127.0.0.1
// port with its socket in that dir, run as the `mysql` account. A user with a password is created for
// the backend; root logs in over the private socket only. stop() kills only the PID started here.

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { DbProcess, freePort, systemAccount } from './db-process.js';

export const MY_USER = 'k3ts';
export const MY_PASSWORD = 'my-secret-4c1d';

const hasCommand = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Why the MariaDB tests cannot run here, or undefined. In CI they must run, so there is no reason. */
export function mariadbSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  for (const bin of ['mariadbd', 'mariadb-install-db']) {
    if (!hasCommand(bin)) return `${bin} is not installed (apt-get install mariadb-server)`;
  }
  return undefined;
}

export class MariadbServer {
  private process?: DbProcess;
  private databases = 0;

  private constructor(readonly dir: string, readonly port: number, private readonly durable: boolean) {}

  get socket(): string {
    return join(this.dir, 'mysqld.sock');
  }

  /** `durable` flushes the redo log at every COMMIT (InnoDB's default), for benchmarks; tests skip it. */
  static async start(opts: { durable?: boolean } = {}): Promise<MariadbServer> {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-maria-'));
    const server = new MariadbServer(dir, await freePort(), opts.durable ?? false);
    try {
      const account = process.getuid?.() === 0 ? systemAccount('mysql') : undefined;
      if (account) chownSync(dir, account.uid, account.gid);
      execFileSync('mariadb-install-db', [
        '--no-defaults', `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db',
        ...(account ? ['--user=mysql'] : []),
      ], { stdio: 'pipe' });
      await server.launch();
      await server.admin(`CREATE USER '${MY_USER}'@'%' IDENTIFIED BY '${MY_PASSWORD}'`);
      await server.admin(`GRANT ALL ON *.* TO '${MY_USER}'@'%'`);
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** The server's PID, to read its RSS and CPU. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** mysql://…@tcp(…)/db in K3s's form, for a database (created here unless `create` is false). */
  async database(opts: { create?: boolean } = {}): Promise<{ name: string; url: string; drop(): Promise<void> }> {
    const name = `t${process.pid}_${++this.databases}`;
    if (opts.create !== false) await this.admin(`CREATE DATABASE ${name}`);
    return {
      name,
      url: `mysql://${MY_USER}:${MY_PASSWORD}@tcp(127.0.0.1:${this.port})/${name}`,
      drop: () => this.admin(`DROP DATABASE IF EXISTS ${name}`),
    };
  }

  async restart(downMs = 0): Promise<void> {
    await this.process?.stop('SIGTERM');
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  /** Shuts the server down (SIGTERM, as an init system would) and waits for its exit; up() starts it again. */
  async down(): Promise<void> {
    await this.process?.stop('SIGTERM');
  }

  async up(): Promise<void> {
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const account = process.getuid?.() === 0 ? systemAccount('mysql') : undefined;
    // --no-defaults keeps the machine's /etc/mysql config (and its socket and port) out of it.
    this.process = DbProcess.start('mariadbd', 'mariadbd', [
      '--no-defaults', `--datadir=${join(this.dir, 'data')}`, '--bind-address=127.0.0.1', `--port=${this.port}`,
      `--socket=${this.socket}`, `--pid-file=${join(this.dir, 'mariadbd.pid')}`, '--skip-name-resolve',
      `--innodb-flush-log-at-trx-commit=${this.durable ? 1 : 2}`, '--max-connections=300', `--log-error=${join(this.dir, 'error.log')}`,
      ...(account ? ['--user=mysql'] : ['--user=root']),
    ]);
    await this.process.waitReady(async () => {
      await this.admin('SELECT 1');
      return true;
    });
  }

  private async admin(sql: string): Promise<void> {
    const conn = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
    try {
      await conn.query(sql);
    } finally {
      await conn.end();
    }
  }
}
