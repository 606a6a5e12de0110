// Two `k3ts server` processes on one PostgreSQL, 24 clients creating ConfigMaps through both, and the
// database restarted underneath them (fast shutdown; 1.5 s down, then 6 s). What a user checks afterwards:
// every create answered 201 is there, whole, through either server; every other answer was a proper
// Status (a reset socket or a hang is a bug); nothing half-written exists; both servers take writes
// again soon after the database is back without being restarted; a watch opened before the restart
// saw every acknowledged create; controllers still follow a scale; /readyz said what was going on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess, httpsRequest, type AdminCredentials } from '../durability/k3ts-process.js';
import { PostgresServer, postgresSkipReason } from '../support/postgres-server.js';
import { payloadFor, runKubectl } from './datastore-restart-under-load.js';
import { eventually } from '../support/eventually.js';
import { kubectls } from './harness.js';

const kubectl = kubectls[0]!.bin;
const TOKEN = 'ha-pg-restart-secret-41c8';
const WRITERS = 24;
/** Both servers must take writes again this soon after PostgreSQL accepts connections. */
const RECOVERY_BOUND_MS = 10_000;
const leaderFlags = ['--leader-elect-lease-duration', '4s', '--leader-elect-renew-deadline', '3s', '--leader-elect-retry-period', '1s'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cm {
  metadata: { name: string; resourceVersion: string };
  data?: Record<string, string>;
}

async function listConfigMaps(url: string, creds: AdminCredentials, ns: string): Promise<Map<string, Cm>> {
  const r = await httpsRequest({ url: `${url}/api/v1/namespaces/${ns}/configmaps`, creds, timeoutMs: 30_000 });
  assert.equal(r.status, 200, r.body.toString().slice(0, 300));
  return new Map((JSON.parse(r.body.toString()) as { items: Cm[] }).items.map((cm) => [cm.metadata.name, cm]));
}

/** A raw watch stream, as an informer holds one: events as they come, and whether/how it ended. */
function openWatch(url: string, creds: AdminCredentials) {
  const state = { events: [] as Array<{ type: string; name: string; rv: string; data?: Record<string, string> }>, ended: undefined as string | undefined, close: () => {} };
  const req = request(url, { ca: creds.ca, cert: creds.cert, key: creds.key });
  // Closing it ourselves is not the stream ending: what ended it before stays recorded.
  state.close = () => ((state.ended ??= 'closed by the test'), req.destroy());
  req.on('response', (res) => {
    if (res.statusCode !== 200) state.ended = `status ${res.statusCode}`;
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const e = JSON.parse(line) as { type: string; object: Cm & { message?: string } };
        state.events.push({ type: e.type, name: e.object.metadata?.name, rv: e.object.metadata?.resourceVersion, data: e.object.data });
        if (e.type === 'ERROR') state.ended = `ERROR event: ${e.object.message}`;
      }
    });
    res.on('end', () => (state.ended ??= 'the server ended the stream'));
    res.on('aborted', () => (state.ended ??= 'the stream was cut'));
  });
  req.on('error', (err) => (state.ended ??= `error: ${err.message}`));
  req.end();
  return state;
}

interface Failure {
  name: string;
  server: number;
  at: number;
  /** HTTP status and Status reason, or the transport error when there was no answer. */
  status?: number;
  reason?: string;
  message?: string;
  retryAfter?: string;
  transport?: string;
}

describe('two servers on one PostgreSQL, restarted under load', { skip: postgresSkipReason(), timeout: 120_000 }, () => {
  let pg: PostgresServer;
  let db: { url: string; drop(): Promise<void> };
  let root: string;
  const servers: K3tsProcess[] = [];
  /** What the test started besides the servers (watches, pollers, writers): stopped first, even on failure. */
  const closers: Array<() => unknown> = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-ha-pg-'));
    pg = await PostgresServer.start();
    db = await pg.database();
    const args = ['--datastore-endpoint', db.url, '--token', TOKEN, ...leaderFlags];
    for (const s of ['s1', 's2']) {
      mkdirSync(join(root, s));
      servers.push(await K3tsProcess.start({ root: join(root, s), extraArgs: args, readyTimeoutMs: 30_000 }));
    }
  });

  after(async () => {
    for (const close of closers) await close();
    for (const s of servers) await s.stop();
    await db?.drop().catch(() => {});
    await pg?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** One restart under load in namespace `ns`, PostgreSQL away for about `downMs`, and every check. */
  const restartUnderLoad = async (ns: string, downMs: number) => {
    const [s1, s2] = servers as [K3tsProcess, K3tsProcess];
    const creds = s1.credentials();
    assert.equal((await runKubectl(s1.kubeconfig, s1.url, ['create', 'namespace', ns])).code, 0);
    const deploy = await runKubectl(s1.kubeconfig, s1.url, ['create', 'deployment', 'follow', '-n', ns, '--image=busybox', '--replicas=1', '--', 'sleep', '3600']);
    assert.equal(deploy.code, 0, deploy.stderr);
    await eventually(async () => (await runKubectl(s1.kubeconfig, s2.url, ['get', 'rs', '-n', ns, '-l', 'app=follow', '-o', 'jsonpath={.items[*].spec.replicas}'])).stdout === '1', 20_000, 'the ReplicaSet exists');

    // A watch on server 2 from "now", and kubectl's own watch for one name, both opened before the restart.
    const listed = await httpsRequest({ url: `${s2.url}/api/v1/namespaces/${ns}/configmaps`, creds });
    const fromRv = (JSON.parse(listed.body.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const watch = openWatch(`${s2.url}/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${fromRv}`, creds);
    const kubectlWatch = spawn(kubectl, ['--kubeconfig', s2.kubeconfig, '--server', s2.url, 'get', 'configmap', '-n', ns, '--field-selector', 'metadata.name=marker', '-w', '-o', 'name'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let kubectlOut = '';
    kubectlWatch.stdout.setEncoding('utf8').on('data', (c: string) => (kubectlOut += c));
    kubectlWatch.stderr.setEncoding('utf8').on('data', (c: string) => (kubectlOut += c));
    closers.push(() => watch.close(), () => kubectlWatch.kill('SIGTERM'));

    // /readyz on both servers, polled throughout.
    const readyz: Array<{ server: number; at: number; status: number | string; body: string }> = [];
    let polling = true;
    const pollers = servers.map(async (s, i) => {
      while (polling) {
        const at = Date.now();
        try {
          const r = await httpsRequest({ url: `${s.url}/readyz?verbose`, creds, timeoutMs: 5000 });
          readyz.push({ server: i, at, status: r.status, body: r.body.toString() });
        } catch (err) {
          readyz.push({ server: i, at, status: 'no answer', body: (err as Error).message });
        }
        await sleep(150);
      }
    });
    closers.push(async () => ((polling = false), await Promise.all(pollers)));

    const agents = servers.map(() => new Agent({ keepAlive: true, maxSockets: WRITERS }));
    const acked = new Map<string, { server: number; sentAt: number; at: number }>();
    const failed: Failure[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const server = (w + n) % 2;
        const name = `w${w}-${n}`;
        const sentAt = Date.now();
        try {
          const r = await httpsRequest({
            url: `${servers[server]!.url}/api/v1/namespaces/${ns}/configmaps`,
            creds,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: payloadFor(name) }),
            agent: agents[server],
            timeoutMs: 20_000,
          });
          if (r.status === 201) {
            acked.set(name, { server, sentAt, at: Date.now() });
            continue;
          }
          let status: { kind?: string; code?: number; reason?: string; message?: string } = {};
          try {
            status = JSON.parse(r.body.toString());
          } catch {
            // not JSON: recorded as such below
          }
          failed.push({ name, server, at: sentAt, status: r.status, reason: status.kind === 'Status' && status.code === r.status ? status.reason : `not a Status: ${r.body.toString().slice(0, 200)}`, message: status.message, retryAfter: r.headers['retry-after'] as string | undefined });
        } catch (err) {
          failed.push({ name, server, at: sentAt, transport: (err as Error).message });
        }
        await sleep(50);
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    closers.push(async () => ((stop = true), await Promise.all(writers), agents.forEach((a) => a.destroy())));
    await sleep(2000);
    const ackedBefore = acked.size;
    assert.ok(ackedBefore > 0, 'writes go through before the restart');

    const downAt = Date.now();
    const restarting = pg.restart(downMs);
    // kubectl itself, started while PostgreSQL is going down: client-go waits out the Retry-After of
    // the answers and tries again, so the user sees the create succeed.
    await sleep(300);
    const duringOutage = runKubectl(s1.kubeconfig, s1.url, ['create', 'configmap', 'during-outage', '-n', ns, '--from-literal=k=v'], 40_000);
    await restarting;
    const upAt = Date.now();
    // Keep writing until both servers have acknowledged a create sent after PostgreSQL came back.
    const recovered = (server: number) => [...acked.values()].filter((a) => a.server === server && a.sentAt >= upAt).map((a) => a.at).sort((x, y) => x - y)[0];
    while (Date.now() - upAt < RECOVERY_BOUND_MS && (recovered(0) === undefined || recovered(1) === undefined)) await sleep(20);
    await sleep(1000);
    stop = true;
    await Promise.all(writers);
    for (const a of agents) a.destroy();
    for (const [i, s] of servers.entries()) assert.ok(s.alive, `server ${i + 1} died:\n${s.log.slice(-6000)}`);
    const outageCreate = await duringOutage;
    const recovery = [recovered(0), recovered(1)].map((t) => (t === undefined ? Infinity : t - upAt));

    const byStatus = new Map<string, number>();
    for (const f of failed) {
      const key = f.transport ? `no answer: ${f.transport}` : `${f.status} ${f.reason}`;
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    }
    const down = readyz.filter((r) => r.status !== 200);
    const firstReady = [0, 1].map((i) => readyz.find((r) => r.server === i && r.at >= upAt && r.status === 200)?.at);
    process.stdout.write(`# postgres restart, ${downMs} ms asked (down ${upAt - downAt} ms): ${acked.size} acknowledged creates (${ackedBefore} before), ${failed.length} failed: ${JSON.stringify([...byStatus])}\n`);
    process.stdout.write(`# writes accepted again after PostgreSQL was back: server 1 ${recovery[0]} ms, server 2 ${recovery[1]} ms; /readyz ok again after ${firstReady.map((t) => (t === undefined ? 'never' : `${t - upAt} ms`)).join(', ')}; ${down.length} /readyz answers not 200\n`);
    const sample = (f: Failure[]) => JSON.stringify(f.slice(0, 3));

    // The controllers (and their informers) carry on: scale through server 2, and the ReplicaSet follows.
    let lastRs = '';
    const scaled = await runKubectl(s1.kubeconfig, s2.url, ['scale', 'deployment', 'follow', '-n', ns, '--replicas=3']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await eventually(async () => {
      const r = await runKubectl(s1.kubeconfig, s1.url, ['get', 'rs', '-n', ns, '-l', 'app=follow', '-o', 'jsonpath={.items[*].spec.replicas}/{.items[*].status.replicas}']);
      return r.stdout === '3/3' || ((lastRs = r.stdout + r.stderr), false);
    }, 20_000, 'the ReplicaSet follows the scale and makes its pods').catch((err: Error) => {
      throw new Error(`${err.message}; last: ${lastRs}\nserver 1 log tail:\n${s1.log.slice(-3000)}`);
    });

    // A write through server 1 after the restart reaches both watches opened on server 2 before it.
    const marker = await httpsRequest({ url: `${s1.url}/api/v1/namespaces/${ns}/configmaps`, creds, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'marker' } }) });
    assert.equal(marker.status, 201, marker.body.toString());
    await eventually(() => kubectlOut.includes('configmap/marker'), 10_000, `kubectl get -w on server 2 shows the marker (it printed: ${kubectlOut})`);
    await eventually(() => watch.events.some((e) => e.name === 'marker'), 10_000, `the raw watch on server 2 sees the marker (ended: ${watch.ended})`);
    const watchEnded = watch.ended;
    watch.close();
    kubectlWatch.kill('SIGTERM');
    polling = false;
    await Promise.all(pollers);

    // Both servers are the processes started before; neither died nor was restarted.
    assert.ok(s1.alive && s2.alive, 'both servers still run');
    assert.equal(outageCreate.code, 0, `kubectl create while PostgreSQL restarts (client-go retries): ${outageCreate.stderr}`);
    // Every failure was a proper Status from the server: no reset socket, no hang.
    assert.deepEqual(failed.filter((f) => f.transport), [], 'every create got an answer');
    const improper = failed.filter((f) => !f.reason || f.reason.startsWith('not a Status') || (f.status! < 500 && f.status !== 409 && f.status !== 429));
    assert.deepEqual(improper, [], 'failures are Status answers with a 5xx (or 409/429) code');
    // "Try again" answers say when, so client-go retries them by itself.
    const noRetryAfter = failed.filter((f) => f.reason === 'ServerTimeout' && !f.retryAfter);
    assert.deepEqual(noRetryAfter.slice(0, 3), [], 'ServerTimeout answers carry Retry-After');
    assert.ok(recovery.every((ms) => ms <= RECOVERY_BOUND_MS), `both servers take writes within ${RECOVERY_BOUND_MS} ms of PostgreSQL being back: ${recovery}`);

    // Object by object, through each server: every acknowledged create is there, whole; whatever else
    // is there is a create that failed with an unknown outcome, and it is whole too.
    const failedNames = new Map(failed.map((f) => [f.name, f]));
    for (const s of servers) {
      const stored = await listConfigMaps(s.url, creds, ns);
      const lost = [...acked.keys()].filter((name) => !stored.has(name));
      assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged creates missing on ${s.url}`);
      for (const [name, cm] of stored) {
        if (name === 'marker' || name === 'during-outage' || name.startsWith('kube-root-ca')) continue;
        assert.deepEqual(cm.data, payloadFor(name), `configmap ${name} on ${s.url} is torn`);
        assert.ok(acked.has(name) || failedNames.has(name), `configmap ${name} was never sent`);
        const f = failedNames.get(name);
        // ServerTimeout means nothing was applied (safe to retry): such a create must have left nothing.
        assert.ok(!f || (f.reason !== 'ServerTimeout' && !/not applied/.test(f.message ?? '')), `configmap ${name} exists though its create answered ${f?.reason} "${f?.message}"`);
      }
    }
    assert.deepEqual(failed.filter((f) => f.status === 409), [], `no create answered 409 (each name is sent once): ${sample(failed.filter((f) => f.status === 409))}`);

    // The watch opened before the restart never ended and saw each acknowledged create once, whole.
    assert.equal(watchEnded, undefined, 'the watch on server 2 survived the restart');
    const added = new Map<string, number>();
    for (const e of watch.events) if (e.type === 'ADDED') added.set(e.name, (added.get(e.name) ?? 0) + 1);
    const unseen = [...acked.keys()].filter((name) => added.get(name) !== 1);
    assert.deepEqual(unseen.slice(0, 10), [], `${unseen.length} acknowledged creates not seen exactly once by the watch`);
    for (const e of watch.events) if (e.type === 'ADDED' && e.name !== 'marker' && e.name !== 'during-outage' && !e.name.startsWith('kube-root-ca')) assert.deepEqual(e.data, payloadFor(e.name), `watch event for ${e.name} is torn`);

    // /readyz: ok before and after; while PostgreSQL was down it said the datastore check failed.
    assert.ok(down.length > 0, '/readyz reported something while PostgreSQL was down');
    for (const r of down) {
      assert.ok(r.at >= downAt - 500, `/readyz on server ${r.server + 1} failed before the restart: ${r.status} ${r.body}`);
      assert.equal(r.status, 500, `/readyz answers 500 while the datastore is away: ${r.body}`);
      assert.match(r.body, /\[-\]etcd failed/, 'the failing check is named');
    }
    assert.ok(firstReady.every((t) => t !== undefined && t - upAt <= RECOVERY_BOUND_MS), '/readyz is ok again on both servers');
  };

  it('a 1.5 s restart: both servers recover by themselves, nothing acknowledged is lost or torn, watches and controllers carry on', () => restartUnderLoad('load', 1500));

  // Longer than the renew deadline (3 s here): the leading server stops its controllers while it
  // cannot renew its Lease, and must start them again once PostgreSQL is back (the scale check).
  it('a 6 s outage: the same, and the controllers come back after their leader had to stop them', () => restartUnderLoad('long', 6000));
});
