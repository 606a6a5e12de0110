// One HTTPS exchange with whichever API server the pool offers, failing over to the next when a
// server cannot be reached. A request is sent again elsewhere only when that cannot apply it twice:
// always when no connection was made (nothing was sent), and for GET when the server went away
// before answering. Keep-alive agents, one per server, so a busy agent reuses its connections.
import https from 'node:https';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ServerPool } from './server-pool.js';
import { ServerUnavailableError, statusErrorFromResponse } from './status-error.js';

export interface TransportOptions {
  pool: ServerPool;
  /** PEM of the CA that signed the servers' certificates. */
  ca: string;
  /** Client certificate and key (PEM), for certificate authentication. */
  cert?: string;
  key?: string;
  /** Bearer token, for token authentication. */
  token?: string;
  userAgent?: string;
  /** How long a request may take from sending to the last byte of its answer (watches: to the
   *  headers). Default 60000. */
  timeoutMs?: number;
  /** How long connecting (TCP and TLS) to one server may take before the next is tried. Default 10000. */
  connectTimeoutMs?: number;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query. */
  path: string;
  body?: unknown;
  contentType?: string;
  /** Ask this server first while it is healthy (a watch goes where its list went). */
  preferServer?: string;
}

export interface BufferedAnswer {
  /** The server that answered. */
  server: string;
  status: number;
  body: string;
}

export interface StreamAnswer {
  server: string;
  res: IncomingMessage;
  /** Ends the exchange and frees its connection. */
  destroy(): void;
}

export interface Transport {
  /** The whole answer; a non-2xx answer throws its StatusError. */
  request(spec: RequestSpec): Promise<BufferedAnswer>;
  /** Resolves once a 2xx answer's headers arrived; the body is the caller's to read. */
  stream(spec: RequestSpec, signal: AbortSignal): Promise<StreamAnswer>;
  close(): void;
}

/** One attempt that got no answer from one server. */
class AttemptFailure extends Error {
  constructor(
    readonly server: string,
    /** TLS was up, so the request may have reached the server. */
    readonly established: boolean,
    /** The connection was an idle keep-alive one, which the server may have closed just then. */
    readonly reused: boolean,
    cause: Error,
  ) {
    super(`${server}: ${cause.message}`, { cause });
  }
}

const describeCause = (err: Error) => (err as NodeJS.ErrnoException).code ?? err.message;

export function createTransport(opts: TransportOptions): Transport {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const agents = new Map<string, https.Agent>();

  const agentFor = (server: string): https.Agent => {
    let agent = agents.get(server);
    if (!agent) {
      agent = new https.Agent({ keepAlive: true, ca: opts.ca, cert: opts.cert, key: opts.key });
      agents.set(server, agent);
      // Agents of servers no longer configured are closed, so their idle connections go too.
      const known = new Set(opts.pool.servers());
      for (const [url, a] of agents) {
        if (!known.has(url) && url !== server) {
          a.destroy();
          agents.delete(url);
        }
      }
    }
    return agent;
  };

  const headersFor = (spec: RequestSpec, payload: Buffer | undefined): OutgoingHttpHeaders => {
    const headers: OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': opts.userAgent ?? 'k3ts' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (payload) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    return headers;
  };

  /** Sends once to `server`; resolves with the answer's headers, or rejects with an AttemptFailure
   *  when there was none. `timer` bounds the whole exchange and stays armed for the body. */
  const attempt = (server: string, spec: RequestSpec, payload: Buffer | undefined, o: { signal?: AbortSignal; freshConnection: boolean }) =>
    new Promise<{ req: ClientRequest; res: IncomingMessage; timer: NodeJS.Timeout }>((resolve, reject) => {
      const { signal } = o;
      const connection = o.freshConnection ? { agent: false as const, ca: opts.ca, cert: opts.cert, key: opts.key } : { agent: agentFor(server) };
      const req = https.request(`${server}${spec.path}`, { method: spec.method, ...connection, headers: headersFor(spec, payload), signal });
      let established = false;
      let answered = false;
      const connectTimer = setTimeout(() => req.destroy(Object.assign(new Error(`connecting took longer than ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })), connectTimeoutMs);
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      const connected = () => {
        established = true;
        clearTimeout(connectTimer);
      };
      req.on('socket', (socket) => {
        if (req.reusedSocket) connected();
        else (socket as TLSSocket).once('secureConnect', connected);
      });
      req.on('response', (res) => {
        answered = true;
        clearTimeout(connectTimer);
        resolve({ req, res, timer });
      });
      req.on('error', (err) => {
        clearTimeout(connectTimer);
        if (answered) return; // the body reader sees it
        clearTimeout(timer);
        reject(signal?.aborted ? err : new AttemptFailure(server, established, req.reusedSocket, err));
      });
      req.end(payload);
    });

  const readBody = (res: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the connection closed before the whole answer arrived')));
    });

  /** Tries servers until one answers. */
  const exchange = async (spec: RequestSpec, signal?: AbortSignal) => {
    const payload = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
    const tried: string[] = [];
    const failures: string[] = [];
    let last: AttemptFailure | undefined;
    let retrySameServer: string | undefined;
    let preferred = spec.preferServer !== undefined && opts.pool.healthy().includes(spec.preferServer) ? spec.preferServer : undefined;
    for (;;) {
      const server = retrySameServer ?? preferred ?? opts.pool.pick();
      const freshConnection = retrySameServer !== undefined;
      retrySameServer = undefined;
      preferred = undefined;
      if (tried.includes(server)) break;
      try {
        const answer = await attempt(server, spec, payload, { signal, freshConnection });
        opts.pool.markHealthy(server);
        return { server, ...answer };
      } catch (err) {
        if (!(err instanceof AttemptFailure)) throw err;
        last = err;
        const cause = err.cause as Error;
        // An idle keep-alive connection the server had closed (it restarted, or timed the
        // connection out) says nothing of the server now: ask it again on a new connection.
        const code = (cause as NodeJS.ErrnoException).code;
        if (err.reused && spec.method === 'GET' && (code === 'ECONNRESET' || code === 'EPIPE')) {
          retrySameServer = server;
          continue;
        }
        tried.push(server);
        failures.push(`${server} (${describeCause(cause)})`);
        opts.pool.markFailed(server);
        if (err.established && spec.method !== 'GET') {
          throw new ServerUnavailableError(
            `${spec.method} ${spec.path} on ${server} failed before an answer arrived (${describeCause(cause)}); the change may or may not have been applied`,
            tried,
            { cause },
          );
        }
      }
    }
    const only = tried.length === 1;
    throw new ServerUnavailableError(
      only ? `cannot reach the API server ${failures[0]}` : `cannot reach any API server: ${failures.join(', ')}`,
      tried,
      { cause: last?.cause },
    );
  };

  return {
    async request(spec) {
      const { server, res, timer } = await exchange(spec);
      try {
        const body = await readBody(res);
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) throw statusErrorFromResponse(status, body);
        return { server, status, body };
      } catch (err) {
        if (err instanceof Error && !('reason' in err)) throw new ServerUnavailableError(`${spec.method} ${spec.path} on ${server}: ${err.message}`, [server], { cause: err });
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    async stream(spec, signal) {
      const { server, req, res, timer } = await exchange(spec, signal);
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        const body = await readBody(res).catch(() => '');
        throw statusErrorFromResponse(status, body);
      }
      return { server, res, destroy: () => req.destroy() };
    },
    close() {
      for (const a of agents.values()) a.destroy();
      agents.clear();
    },
  };
}
