// A `bin/k3ts server` process the test owns by PID, restartable on the same data dir (the e2e
// harness always starts a fresh dir), plus a raw HTTPS client with the admin certificate.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { freePort, repoRoot } from '../e2e/harness.js';

export interface AdminCredentials {
  ca: string;
  cert: string;
  key: string;
}

export interface StartOptions {
  /** The temp dir the test owns; the server's data dir and kubeconfig live under it. */
  root: string;
  /** A given port (e.g. to collide with a running server on purpose); a free one otherwise. A restart
   *  should take a free one too: a port given up can be taken by any other process in between. */
  port?: number;
  readyTimeoutMs?: number;
  /** More `k3ts server` flags. */
  extraArgs?: string[];
  /** The loopback address to bind and advertise (several servers on 127.0.0.x); default 127.0.0.1. */
  host?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tail = (text: string, max = 4000) => (text.length > max ? `…${text.slice(-max)}` : text);

export class K3tsProcess {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    readonly kubeconfig: string,
    readonly host = '127.0.0.1',
  ) {
    // Large enough to keep every internal-error stack of a fuzz run.
    proc.stdout?.setEncoding('utf8').on('data', (c: string) => (this.output = tail(this.output + c, 8_000_000)));
    proc.stderr?.setEncoding('utf8').on('data', (c: string) => (this.output = tail(this.output + c, 8_000_000)));
    this.exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    // Whatever happens to the test process, the server it started must not outlive it.
    const killOnExit = () => this.alive && this.signal('SIGKILL');
    process.once('exit', killOnExit);
    void this.exited.then(() => process.off('exit', killOnExit));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get log(): string {
    return this.output;
  }

  get url(): string {
    return `https://${this.host}:${this.port}`;
  }

  static async start(options: StartOptions): Promise<K3tsProcess> {
    const bin = process.env.K3TS_BIN ? resolve(process.env.K3TS_BIN) : join(repoRoot, 'bin', 'k3ts');
    const port = options.port ?? (await freePort());
    const dataDir = join(options.root, 'data');
    const kubeconfig = join(options.root, 'kubeconfig.yaml');
    const host = options.host ?? '127.0.0.1';
    const address = host === '127.0.0.1' ? [] : ['--advertise-address', host];
    const args = ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', host, ...address, '--write-kubeconfig', kubeconfig, '--disable-agent', ...(options.extraArgs ?? [])];
    const proc = spawn(bin, args, { cwd: options.root, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new K3tsProcess(proc, port, dataDir, kubeconfig, host);
    const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
    let last = 'not started';
    while (Date.now() < deadline) {
      if (!server.alive) throw new Error(`k3ts server exited before it was ready:\n${server.log}`);
      if (existsSync(kubeconfig)) {
        try {
          const r = await httpsRequest({ url: `${server.url}/readyz`, creds: server.credentials(), timeoutMs: 2000 });
          if (r.status === 200 && r.body.toString() === 'ok') return server;
          last = `/readyz ${r.status}`;
        } catch (e) {
          last = (e as Error).message;
        }
      }
      await sleep(100);
    }
    server.signal('SIGKILL');
    await server.exited;
    throw new Error(`k3ts server not ready (${last}):\n${server.log}`);
  }

  /** The admin client certificate, key and CA from the kubeconfig the server wrote. */
  credentials(): AdminCredentials {
    const doc = parse(readFileSync(this.kubeconfig, 'utf8')) as {
      clusters: { cluster: Record<string, string> }[];
      users: { user: Record<string, string> }[];
    };
    const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
    return {
      ca: b64(doc.clusters[0]!.cluster['certificate-authority-data']),
      cert: b64(doc.users[0]!.user['client-certificate-data']),
      key: b64(doc.users[0]!.user['client-key-data']),
    };
  }

  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGTERM by PID; SIGKILL after the grace period. Resolves with how it ended. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }> {
    if (!this.alive) return { ...(await this.exited), forced: false };
    this.signal('SIGTERM');
    const inTime = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!inTime) this.signal('SIGKILL');
    return { ...(await this.exited), forced: !inTime };
  }
}

export interface HttpsRequest {
  url: string;
  creds: AdminCredentials;
  method?: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  agent?: Agent;
  timeoutMs?: number;
  /** Stop reading after this many bytes (watch streams); the answer has what arrived by then. */
  maxBytes?: number;
  /** Destroy the request this long after the response headers arrive (watch streams). */
  closeAfterHeadersMs?: number;
  /** Like closeAfterHeadersMs, but only for answers that stream (chunked, no Content-Length). */
  closeStreamsAfterMs?: number;
  /** Send the body in chunks without Content-Length. */
  chunked?: boolean;
  /** Node's default is 16 KiB of response headers. */
  maxHeaderSize?: number;
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** True when we cut the body short ourselves (maxBytes / closeAfterHeadersMs). */
  truncated: boolean;
  /** The answer had no Content-Length and came chunked (a watch). */
  stream: boolean;
  /** Bytes of response header names and values. */
  headerBytes: number;
  rawHeaders: string[];
}

export class RequestTimeout extends Error {}

export function httpsRequest(o: HttpsRequest): Promise<HttpsResponse> {
  return new Promise((res, rej) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = request(o.url, {
      method: o.method ?? 'GET',
      headers: o.headers,
      ca: o.creds.ca,
      // An empty certificate means an anonymous client (the 401 path).
      cert: o.creds.cert || undefined,
      key: o.creds.key || undefined,
      agent: o.agent,
      maxHeaderSize: o.maxHeaderSize,
    });
    const timer = setTimeout(() => {
      done(() => rej(new RequestTimeout(`no complete answer within ${o.timeoutMs ?? 10_000} ms`)));
      req.destroy();
    }, o.timeoutMs ?? 10_000);
    req.on('response', (resp) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const stream = resp.headers['content-length'] === undefined && /chunked/i.test(String(resp.headers['transfer-encoding'] ?? ''));
      const headerBytes = resp.rawHeaders.reduce((n, h) => n + Buffer.byteLength(h) + 2, 0);
      const finish = (truncated: boolean) =>
        done(() => res({ status: resp.statusCode ?? 0, headers: resp.headers, body: Buffer.concat(chunks), truncated, stream, headerBytes, rawHeaders: resp.rawHeaders }));
      const cut = () => {
        finish(true);
        req.destroy();
      };
      if (o.closeAfterHeadersMs !== undefined) setTimeout(cut, o.closeAfterHeadersMs).unref();
      else if (o.closeStreamsAfterMs !== undefined && stream) setTimeout(cut, o.closeStreamsAfterMs).unref();
      resp.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (o.maxBytes !== undefined && size >= o.maxBytes) cut();
      });
      resp.on('end', () => finish(false));
      resp.on('error', (e) => done(() => rej(e)));
      resp.on('aborted', () => done(() => rej(new Error('response aborted by the server'))));
    });
    req.on('error', (e) => done(() => rej(e)));
    if (o.body === undefined) req.end();
    else if (o.chunked) {
      req.setHeader('Transfer-Encoding', 'chunked');
      const buf = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
      const step = 256 * 1024;
      for (let at = 0; at < buf.length; at += step) req.write(buf.subarray(at, at + step));
      req.end();
    } else {
      // Node frames a body only for methods it expects one on (not GET, DELETE, OPTIONS…) unless told the length.
      if (req.getHeader('content-length') === undefined) req.setHeader('Content-Length', Buffer.byteLength(o.body));
      req.end(o.body);
    }
  });
}
