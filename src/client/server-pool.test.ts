// The pool's rotation, and how failed servers are probed with a growing delay until they answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServerPool } from './server-pool.js';
import { createTestPki, type TestPki } from '../../test/support/api-server.js';

/** An HTTPS server whose /healthz answers as told, counting the probes. */
async function healthServer(pki: TestPki) {
  const state = { healthy: false, probes: [] as number[] };
  const server = https.createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem }, (req, res) => {
    if (req.url === '/healthz') state.probes.push(Date.now());
    res.writeHead(state.healthy ? 200 : 500).end(state.healthy ? 'ok' : 'not ready');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('server pool', () => {
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });
  after(() => pki.remove());

  it('rotates over healthy servers and skips a failed one', () => {
    const pool = createServerPool({ servers: ['https://a:1', 'https://b:2/', 'https://c:3'], ca: pki.caPem, probeIntervalMs: 60_000 });
    try {
      assert.deepEqual(pool.servers(), ['https://a:1', 'https://b:2', 'https://c:3']);
      assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => pool.pick()), ['https://a:1', 'https://b:2', 'https://c:3', 'https://a:1', 'https://b:2', 'https://c:3']);
      pool.markFailed('https://b:2');
      assert.deepEqual(pool.healthy(), ['https://a:1', 'https://c:3']);
      const picks = new Set([1, 2, 3, 4].map(() => pool.pick()));
      assert.deepEqual([...picks].sort(), ['https://a:1', 'https://c:3']);
    } finally {
      pool.close();
    }
  });

  it('with every server failed, offers the one that failed longest ago', () => {
    const pool = createServerPool({ servers: ['https://a:1', 'https://b:2', 'https://c:3'], ca: pki.caPem, probeIntervalMs: 60_000 });
    try {
      pool.markFailed('https://b:2');
      pool.markFailed('https://c:3');
      pool.markFailed('https://a:1');
      assert.deepEqual(pool.healthy(), []);
      assert.equal(pool.pick(), 'https://b:2');
      pool.markFailed('https://b:2');
      assert.equal(pool.pick(), 'https://c:3');
      pool.markHealthy('https://a:1');
      assert.equal(pool.pick(), 'https://a:1');
    } finally {
      pool.close();
    }
  });

  it('setServers keeps what it knows of servers that stay, and reports changes', () => {
    const seen: string[][] = [];
    const pool = createServerPool({ servers: ['https://a:1', 'https://b:2'], ca: pki.caPem, probeIntervalMs: 60_000, onChange: (h) => seen.push(h) });
    try {
      pool.markFailed('https://a:1');
      pool.setServers(['https://a:1', 'https://c:3']);
      assert.deepEqual(pool.servers(), ['https://a:1', 'https://c:3']);
      assert.deepEqual(pool.healthy(), ['https://c:3']);
      assert.deepEqual(seen, [['https://b:2'], ['https://c:3']]);
      assert.throws(() => pool.setServers([]), /at least one/);
      assert.throws(() => pool.setServers(['http://a:1']), /must start with https:\/\//);
    } finally {
      pool.close();
    }
  });

  it('probes a failed server with doubling delays and takes it back once /healthz answers', async () => {
    const srv = await healthServer(pki);
    const changes: string[][] = [];
    const pool = createServerPool({ servers: [srv.url], ca: pki.caPem, probeIntervalMs: 20, maxBackoffMs: 80, onChange: (h) => changes.push(h) });
    try {
      const failedAt = Date.now();
      pool.markFailed(srv.url);
      await until(() => srv.state.probes.length >= 5, 'five probes');
      const gaps = [failedAt, ...srv.state.probes].slice(0, 6).map((t, i, all) => (i === 0 ? 0 : t - all[i - 1])).slice(1);
      // 20, 40, 80, then capped at 80 (timers fire late, never early).
      assert.ok(gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 78 && gaps[3] >= 78, `gaps ${gaps.join(', ')}`);
      assert.ok(gaps[4] < 160, `capped at maxBackoffMs, got ${gaps[4]}`);
      assert.deepEqual(pool.healthy(), []);
      srv.state.healthy = true;
      await until(() => pool.healthy().length === 1, 'fail back');
      assert.deepEqual(changes, [[], [srv.url]]);
      const probes = srv.state.probes.length;
      await sleep(200);
      assert.equal(srv.state.probes.length, probes, 'a healthy server is not probed');
    } finally {
      pool.close();
      await srv.close();
    }
  });

  it('a probe that cannot connect, or meets a certificate from another CA, keeps the server out', async () => {
    const srv = await healthServer(pki);
    srv.state.healthy = true;
    const other = await createTestPki();
    const pool = createServerPool({ servers: [srv.url, 'https://127.0.0.1:1'], ca: other.caPem, probeIntervalMs: 10 });
    try {
      pool.markFailed(srv.url);
      pool.markFailed('https://127.0.0.1:1');
      await sleep(150);
      assert.deepEqual(pool.healthy(), []);
      assert.equal(srv.state.probes.length, 0, 'TLS refused the server before any request');
    } finally {
      pool.close();
      other.remove();
      await srv.close();
    }
  });

  it('close stops probing', async () => {
    const srv = await healthServer(pki);
    const pool = createServerPool({ servers: [srv.url], ca: pki.caPem, probeIntervalMs: 10 });
    pool.markFailed(srv.url);
    await until(() => srv.state.probes.length >= 1, 'a probe');
    pool.close();
    const probes = srv.state.probes.length;
    await sleep(100);
    assert.equal(srv.state.probes.length, probes);
    await srv.close();
  });
});
