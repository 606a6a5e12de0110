// A private PostgreSQL for tests: initdb into a temp dir, `postgres` on a free 127.0.0.1 port with its
// socket in that dir, run as the `postgres` account (initdb and postgres refuse root). A login role with
// a password is created so tests exercise password authentication; each test database is created
// fresh and dropped after. stop() kills only the PID started here and removes the dir.

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DbProcess, freePort, systemAccount } from './db-process.js';

export const PG_USER = 'k3ts';
export const PG_PASSWORD = 'pg-secret-9f3b';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** Why the PostgreSQL tests cannot run here, or undefined. In CI they must run, so there is no reason. */
export function postgresSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (!binDir()) return 'PostgreSQL server binaries are missing (apt-get install postgresql)';
  if (process.getuid?.() === 0 && !systemAccount('postgres')) return 'no postgres account to run the server as';
  return undefined;
}

export class PostgresServer {
  private process?: DbProcess;
  private databases = 0;

  private constructor(readonly dir: string, readonly port: number, private readonly bin: string, private readonly durable: boolean) {}

  /** `durable` keeps PostgreSQL's defaults (every COMMIT fsynced), for benchmarks; tests skip the fsync. */
  static async start(opts: { durable?: boolean } = {}): Promise<PostgresServer> {
    const bin = binDir();
    if (!bin) throw new Error('PostgreSQL server binaries are missing (apt-get install postgresql)');
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-pg-'));
    const server = new PostgresServer(dir, await freePort(), bin, opts.durable ?? false);
    try {
      const account = process.getuid?.() === 0 ? systemAccount('postgres') : undefined;
      if (account) chownSync(dir, account.uid, account.gid);
      const pwfile = join(dir, 'pw');
      writeFileSync(pwfile, 'unused-superuser-password\n');
      if (account) chownSync(pwfile, account.uid, account.gid);
      // Local socket connections trust (the harness creates roles that way); TCP needs a password.
      execFileSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync'], { stdio: 'pipe', ...(account ?? {}) });
      await server.launch();
      await server.admin(`CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}'`);
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** The server's main PID (PostgreSQL's per-connection backends are its children). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** postgres://… for a database (created here unless `create` is false). */
  async database(opts: { create?: boolean } = {}): Promise<{ name: string; url: string; drop(): Promise<void> }> {
    const name = `t${process.pid}_${++this.databases}`;
    if (opts.create !== false) await this.admin(`CREATE DATABASE ${name} OWNER ${PG_USER}`);
    return {
      name,
      url: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${this.port}/${name}?sslmode=disable`,
      drop: () => this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }

  /** Stops the server (fast shutdown: open sessions are cut, as in a real restart) and starts it again. */
  async restart(downMs = 0): Promise<void> {
    await this.process?.stop('SIGINT');
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGINT');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const account = process.getuid?.() === 0 ? systemAccount('postgres') : undefined;
    this.process = DbProcess.start('postgres', join(this.bin, 'postgres'), [
      '-D', join(this.dir, 'data'), '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${this.dir}`, ...(this.durable ? [] : ['-c', 'fsync=off']), '-c', 'max_connections=200',
    ], account);
    await this.process.waitReady(async () => spawnSync(join(this.bin, 'pg_isready'), ['-h', this.dir, '-p', String(this.port)]).status === 0);
  }

  private async admin(sql: string): Promise<void> {
    const client = new pg.Client({ host: this.dir, port: this.port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}
