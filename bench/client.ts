// An HTTPS client for the benchmark: the admin client certificate from the kubeconfig, keep-alive
// connections, JSON bodies, and each response timed from request start to its last byte.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface Response {
  status: number;
  text: string;
  bytes: number;
  /** performance.now() at request start and at the last body byte. */
  t0: number;
  t1: number;
  ms: number;
}

interface KubeconfigFile {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

export interface Credentials {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function readKubeconfig(path: string): Credentials {
  const kc = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  const cluster = kc.clusters[0]!.cluster;
  const user = kc.users[0]!.user;
  const url = new URL(cluster.server);
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return {
    host: url.hostname,
    port: Number(url.port),
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  };
}

export class ApiClient {
  readonly agent: https.Agent;

  constructor(readonly creds: Credentials, opts: { maxSockets: number }) {
    this.agent = this.newAgent({ keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets });
  }

  newAgent(opts: https.AgentOptions): https.Agent {
    return new https.Agent({ ca: this.creds.ca, cert: this.creds.cert, key: this.creds.key, ...opts });
  }

  /** A GET whose response the caller reads as it streams (watches). */
  rawRequest(opts: { path: string; agent: https.Agent }, onResponse: (res: import('node:http').IncomingMessage) => void): import('node:http').ClientRequest {
    return https.request(
      { host: this.creds.host, port: this.creds.port, method: 'GET', path: opts.path, agent: opts.agent, headers: { accept: 'application/json' } },
      onResponse,
    );
  }

  request(method: string, path: string, body?: unknown, opts: { keepText?: boolean; contentType?: string } = {}): Promise<Response> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = https.request(
        {
          host: this.creds.host,
          port: this.creds.port,
          method,
          path,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(data ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': data.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            bytes += c.length;
          });
          res.on('end', () => {
            const t1 = performance.now();
            const status = res.statusCode ?? 0;
            const keep = (opts.keepText ?? true) || status < 200 || status >= 300;
            resolve({ status, text: keep ? Buffer.concat(chunks, bytes).toString('utf8') : '', bytes, t0, t1, ms: t1 - t0 });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }

  /** A request that must succeed; anything but 2xx stops the benchmark with the server's answer. */
  async ok(method: string, path: string, body?: unknown, opts: { keepText?: boolean; contentType?: string } = {}): Promise<Response> {
    const r = await this.request(method, path, body, opts);
    if (r.status < 200 || r.status >= 300) {
      throw new Error(`${method} ${path} -> ${r.status}: ${r.text.slice(0, 300)}`);
    }
    return r;
  }

  close(): void {
    this.agent.destroy();
  }
}
