// The start-up check: a server pointed at a wrong or dead etcd must stop with one clear line within
// a bounded time, not hang on its first request or crash-loop later. Members are tried in turn until
// one answers Maintenance.Status or the time is up; the error names the endpoints (never
// credentials — URLs carry none, see endpoints.ts) and the last reason.
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdError, type EtcdClient } from './etcd-client.js';

const RETRY_PAUSE_MS = 250;

export async function connectEtcd(client: EtcdClient, timeoutMs: number): Promise<{ version: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      const status = await client.status(Math.min(left, 3000));
      return { version: status.version };
    } catch (err) {
      last = err;
      // Refused, timed out or TLS handshake failed: the member may still be starting; anything else
      // (e.g. auth) will not change by waiting.
      if (!(err instanceof EtcdError) || !['UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(err.code)) break;
    }
    await sleep(Math.min(RETRY_PAUSE_MS, Math.max(0, deadline - Date.now())));
  }
  const reason = last instanceof EtcdError ? `${last.details || last.code}` : String(last);
  throw new Error(`cannot reach etcd at ${client.display} within ${(timeoutMs / 1000).toFixed(0)} s: ${reason}`);
}
