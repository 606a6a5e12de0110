import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { datastoreCheck, healthChecks } from './health.js';

async function get(checks: ReturnType<typeof healthChecks>, target: string): Promise<{ code: number; body: string }> {
  let code = 0;
  let body = '';
  const res = { getHeader: () => undefined, writeHead: (c: number) => void (code = c), end: (b?: string | Buffer) => void (body = String(b ?? '')) };
  const url = new URL(`https://localhost${target}`);
  await checks.answer({ method: 'GET', headers: {} } as IncomingMessage, res as unknown as ServerResponse, url.pathname, url);
  return { code, body };
}

describe('health endpoints', () => {
  let up = true;
  const checks = healthChecks(datastoreCheck(async () => {
    if (!up) throw new Error('connection refused');
    return 7;
  }, 50));

  it('answer "ok" while the datastore answers, and list the checks when asked', async () => {
    up = true;
    assert.deepEqual(await get(checks, '/readyz'), { code: 200, body: 'ok' });
    assert.deepEqual(await get(checks, '/readyz?verbose'), { code: 200, body: '[+]ping ok\n[+]etcd ok\nreadyz check passed\n' });
    assert.deepEqual(await get(checks, '/readyz/etcd'), { code: 200, body: 'ok' });
  });

  it('fail /readyz and /healthz with the datastore check named while it is away; /livez stays ok', async () => {
    up = false;
    const failed = { code: 500, body: '[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n' };
    assert.deepEqual(await get(checks, '/readyz'), failed);
    assert.deepEqual(await get(checks, '/readyz?verbose'), failed);
    assert.equal((await get(checks, '/healthz')).code, 500);
    assert.deepEqual(await get(checks, '/livez'), { code: 200, body: 'ok' });
    assert.deepEqual(await get(checks, '/readyz/etcd'), { code: 500, body: 'internal server error: connection refused\n' });
    assert.deepEqual(await get(checks, '/readyz?exclude=etcd'), { code: 200, body: 'ok' });
  });

  it('fail the check when the datastore hangs, after the timeout', async () => {
    const hung = healthChecks(datastoreCheck(() => new Promise<number>(() => {}), 30));
    const started = Date.now();
    assert.deepEqual(await get(hung, '/readyz/etcd'), { code: 500, body: 'internal server error: the datastore did not answer within 30 ms\n' });
    assert.ok(Date.now() - started < 1000);
  });

  it('answer 404 for a check that does not exist', async () => {
    assert.equal((await get(checks, '/readyz/nope')).code, 404);
    assert.equal((await get(checks, '/livez/etcd')).code, 404);
    assert.equal((await get(checks, '/readyz/etcd/more')).code, 404);
  });
});
