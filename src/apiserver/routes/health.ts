// /healthz, /livez and /readyz as named checks, answered the way upstream's endpoints answer (load
// balancers and kubeadm-style tools read the code; people read `?verbose`): 200 "ok" when every
// check passes; otherwise 500 with one `[+]name ok` / `[-]name failed: reason withheld` line per
// check. `/readyz/<name>` runs one check and says why it failed; `?exclude=<name>` skips one.
//
// The datastore check is named "etcd" whatever the backend is, as K3s on kine does: it is the name
// monitoring and runbooks look for. It is in /readyz and /healthz but not /livez: a database that is
// away makes this server unable to serve, not in need of a restart (it reconnects by itself).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendText } from '../http/respond.js';

export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

export interface HealthChecks {
  answer(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void>;
}

/** How long the datastore may take to answer a health probe (upstream's --etcd-healthcheck-timeout). */
export const DATASTORE_CHECK_TIMEOUT_MS = 2_000;

const PLAIN = 'text/plain; charset=utf-8';

/** A check that reads the current revision, failing when that takes longer than the timeout. Probes
 *  arriving while one is in flight share its answer, so a busy load balancer adds one query, not many. */
export function datastoreCheck(currentRevision: () => Promise<number>, timeoutMs = DATASTORE_CHECK_TIMEOUT_MS): HealthCheck {
  let inFlight: Promise<void> | undefined;
  const probe = async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the datastore did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([currentRevision(), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    name: 'etcd',
    check: () => (inFlight ??= probe().finally(() => (inFlight = undefined))),
  };
}

const ping: HealthCheck = { name: 'ping', check: async () => {} };

export function healthChecks(datastore: HealthCheck | undefined): HealthChecks {
  const lists: Record<HealthEndpoint, HealthCheck[]> = {
    livez: [ping],
    healthz: datastore ? [ping, datastore] : [ping],
    readyz: datastore ? [ping, datastore] : [ping],
  };
  return {
    async answer(req, res, path, url) {
      const [, endpoint, one, ...rest] = path.split('/') as [string, HealthEndpoint, string | undefined, ...string[]];
      const checks = lists[endpoint];
      if (one !== undefined) {
        const check = rest.length === 0 ? checks.find((c) => c.name === one) : undefined;
        if (!check) return sendText(req, res, 404, '404 page not found\n', PLAIN);
        const error = await check.check().then(() => undefined, (err: unknown) => err as Error);
        return error ? sendText(req, res, 500, `internal server error: ${error.message}\n`, PLAIN) : sendText(req, res, 200, 'ok', PLAIN);
      }
      const excluded = new Set(url.searchParams.getAll('exclude'));
      const results = await Promise.all(checks.map(async (c) => {
        if (excluded.has(c.name)) return `[+]${c.name} excluded: ok`;
        return c.check().then(() => `[+]${c.name} ok`, () => `[-]${c.name} failed: reason withheld`);
      }));
      const failed = results.some((line) => line.startsWith('[-]'));
      if (!failed && !url.searchParams.has('verbose')) return sendText(req, res, 200, 'ok', PLAIN);
      const body = `${results.join('\n')}\n${endpoint} check ${failed ? 'failed' : 'passed'}\n`;
      sendText(req, res, failed ? 500 : 200, body, PLAIN);
    },
  };
}
