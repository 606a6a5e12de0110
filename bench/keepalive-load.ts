// The load loop several benches share: one request at a time on each of `connections` keep-alive
// sockets, for `seconds` (or until `count` answers), every answer checked for its status.
import https from 'node:https';
import type { Credentials } from './client.js';
import { latencyStats } from './stats.js';

export interface LoadResult {
  n: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Made anew for each request (a create needs a fresh name). */
  body?: () => unknown;
  /** Sent with each request; a bearer token here replaces the client certificate. */
  headers?: Record<string, string>;
  status: number;
}

export async function keepAliveLoad(
  creds: Credentials,
  o: { connections: number; seconds: number; count?: number },
  request: LoadRequest,
): Promise<LoadResult> {
  const byToken = request.headers?.authorization !== undefined;
  const agent = new https.Agent({ keepAlive: true, maxSockets: o.connections, ca: creds.ca, ...(byToken ? {} : { cert: creds.cert, key: creds.key }) });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const body = request.body ? Buffer.from(JSON.stringify(request.body())) : undefined;
      const headers = { accept: 'application/json', ...request.headers, ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) };
      const t0 = performance.now();
      const req = https.request({ host: creds.host, port: creds.port, method: request.method, path: request.path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === request.status ? resolve(performance.now() - t0) : reject(new Error(`${request.method} ${request.path}: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const times: number[] = [];
  const end = performance.now() + o.seconds * 1000;
  const count = o.count ?? Infinity;
  const started = performance.now();
  await Promise.all(Array.from({ length: o.connections }, async () => {
    while (performance.now() < end && times.length < count) times.push(await one());
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const s = latencyStats(times);
  return { n: times.length, rps: Math.round(times.length / elapsed), p50: s.p50Ms, p99: s.p99Ms };
}
