// A datastore restarted under 16 clients creating ConfigMaps through one `k3ts server`, and what a user
// checks afterwards: every create answered 201 is there, whole; every other answer is a Status —
// ServerTimeout with Retry-After while the datastore is down, at most an InternalError saying the
// outcome is unknown for a create cut in flight — and nothing a "try again" answer named exists; the
// server takes writes again within 10 s of the datastore being back without being restarted; kubectl's
// create during the outage succeeds through client-go's retry; a watch opened before sees writes made
// after; /readyz says the datastore check failed meanwhile, and the log holds no internal-error stacks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:https';
import { httpsRequest, type AdminCredentials, type K3tsProcess } from '../durability/k3ts-process.js';
import { eventually } from '../support/eventually.js';
import { kubectls } from './harness.js';

const kubectl = kubectls[0]!.bin;
const WRITERS = 16;
const RECOVERY_BOUND_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The data is a pure function of the name, so a torn or mixed-up object shows. */
export function payloadFor(name: string): Record<string, string> {
  const digest = createHash('sha256').update(name).digest('hex');
  return { name, digest, blob: digest.repeat(4 + (parseInt(digest.slice(0, 2), 16) % 16)) };
}

export function runKubectl(kubeconfig: string, server: string, args: string[], timeout = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectl, ['--kubeconfig', kubeconfig, '--server', server, ...args], { timeout }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A raw watch stream: the ADDED names and data as they come, and how it ended if it did. */
function openWatch(url: string, creds: AdminCredentials) {
  const state = { added: new Map<string, Record<string, string> | undefined>(), ended: undefined as string | undefined, close: () => {} };
  const req = request(url, { ca: creds.ca, cert: creds.cert, key: creds.key });
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
        const e = JSON.parse(line) as { type: string; object: { metadata: { name: string }; data?: Record<string, string>; message?: string } };
        if (e.type === 'ADDED') state.added.set(e.object.metadata.name, e.object.data);
        if (e.type === 'ERROR') state.ended = `ERROR event: ${e.object.message}`;
      }
    });
    res.on('end', () => (state.ended ??= 'the server ended the stream'));
  });
  req.on('error', (err) => (state.ended ??= `error: ${err.message}`));
  req.end();
  return state;
}

interface Failure {
  name: string;
  sentAt: number;
  status?: number;
  reason?: string;
  message?: string;
  retryAfter?: string;
  transport?: string;
}

export interface RestartableDatastore {
  /** For the log line: "etcd", "MariaDB". */
  name: string;
  /** Stops the datastore process and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same data and port and waits until it serves. */
  start(): Promise<void>;
}

/** Writers through `server` in a fresh namespace, the datastore down for `downMs`, then every check. */
export async function restartUnderLoad(server: K3tsProcess, datastore: RestartableDatastore, downMs: number, closers: Array<() => unknown>): Promise<void> {
  const creds = server.credentials();
  const ns = 'load';
  assert.equal((await runKubectl(server.kubeconfig, server.url, ['create', 'namespace', ns])).code, 0);
  const listed = await httpsRequest({ url: `${server.url}/api/v1/namespaces/${ns}/configmaps`, creds });
  const fromRv = (JSON.parse(listed.body.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const watch = openWatch(`${server.url}/api/v1/namespaces/${ns}/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${fromRv}`, creds);
  closers.push(() => watch.close());

  const readyz: Array<{ at: number; status: number | string; body: string }> = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const at = Date.now();
      try {
        const r = await httpsRequest({ url: `${server.url}/readyz?verbose`, creds, timeoutMs: 5000 });
        readyz.push({ at, status: r.status, body: r.body.toString() });
      } catch (err) {
        readyz.push({ at, status: 'no answer', body: (err as Error).message });
      }
      await sleep(150);
    }
  })();
  closers.push(async () => ((polling = false), await poller));

  const agent = new Agent({ keepAlive: true, maxSockets: WRITERS });
  const acked = new Map<string, { sentAt: number; at: number }>();
  const failed: Failure[] = [];
  let stop = false;
  const writer = async (w: number) => {
    for (let n = 0; !stop; n++) {
      const name = `w${w}-${n}`;
      const sentAt = Date.now();
      try {
        const r = await httpsRequest({
          url: `${server.url}/api/v1/namespaces/${ns}/configmaps`,
          creds,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: payloadFor(name) }),
          agent,
          timeoutMs: 20_000,
        });
        if (r.status === 201) {
          acked.set(name, { sentAt, at: Date.now() });
          continue;
        }
        let status: { kind?: string; code?: number; reason?: string; message?: string } = {};
        try {
          status = JSON.parse(r.body.toString());
        } catch {
          // not JSON: recorded as such below
        }
        failed.push({ name, sentAt, status: r.status, reason: status.kind === 'Status' && status.code === r.status ? status.reason : `not a Status: ${r.body.toString().slice(0, 200)}`, message: status.message, retryAfter: r.headers['retry-after'] as string | undefined });
      } catch (err) {
        failed.push({ name, sentAt, transport: (err as Error).message });
      }
      await sleep(50);
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  closers.push(async () => ((stop = true), await Promise.all(writers), agent.destroy()));
  await sleep(1500);
  assert.ok(acked.size > 0, 'writes go through before the restart');

  const downAt = Date.now();
  await datastore.stop();
  const stoppedAt = Date.now();
  // kubectl while the datastore is down: client-go waits out the Retry-After and tries again.
  const duringOutage = runKubectl(server.kubeconfig, server.url, ['create', 'configmap', 'during-outage', '-n', ns, '--from-literal=k=v'], 30_000);
  await sleep(downMs);
  const relaunchAt = Date.now();
  await datastore.start();
  const upAt = Date.now();
  const recovered = () => [...acked.values()].filter((a) => a.sentAt >= upAt).map((a) => a.at).sort((x, y) => x - y)[0];
  while (Date.now() - upAt < RECOVERY_BOUND_MS && recovered() === undefined) await sleep(20);
  await sleep(500);
  stop = true;
  await Promise.all(writers);
  agent.destroy();
  assert.ok(server.alive, `the server died:\n${server.log.slice(-6000)}`);
  const outageCreate = await duringOutage;
  const recovery = recovered() === undefined ? Infinity : recovered()! - upAt;

  const byStatus = new Map<string, number>();
  for (const f of failed) {
    const key = f.transport ? `no answer: ${f.transport}` : `${f.status} ${f.reason}`;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  process.stdout.write(`# ${datastore.name} restart (down ${upAt - downAt} ms): ${acked.size} acknowledged creates, ${failed.length} failed: ${JSON.stringify([...byStatus])}; writes accepted again ${recovery} ms after the datastore was back\n`);

  // A write after the restart reaches the watch opened before it.
  const marker = await httpsRequest({ url: `${server.url}/api/v1/namespaces/${ns}/configmaps`, creds, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'marker' } }) });
  assert.equal(marker.status, 201, marker.body.toString());
  await eventually(() => watch.added.has('marker'), 10_000, `the watch opened before the restart sees the marker (ended: ${watch.ended})`);
  assert.equal(watch.ended, undefined, 'the watch survived the restart');
  polling = false;
  await poller;

  assert.equal(outageCreate.code, 0, `kubectl create while the datastore restarts (client-go retries): ${outageCreate.stderr}`);
  assert.deepEqual(failed.filter((f) => f.transport), [], 'every create got an answer');
  const improper = failed.filter((f) => !f.reason || f.reason.startsWith('not a Status') || f.status! < 500);
  assert.deepEqual(improper.slice(0, 3), [], 'failures are Status answers with a 5xx code');
  // Sent while etcd was surely down (after it exited, before it was started again): nothing can
  // have reached it, so the answer is "try again", with when.
  const whileDown = failed.filter((f) => f.sentAt > stoppedAt && f.sentAt < relaunchAt);
  assert.ok(whileDown.length > 0, 'creates were answered while the datastore was down');
  assert.deepEqual(whileDown.filter((f) => f.reason !== 'ServerTimeout' || f.retryAfter !== '2').slice(0, 3), [], 'while the datastore is down: ServerTimeout with Retry-After: 2');
  for (const f of failed) if (f.reason !== 'ServerTimeout') assert.match(f.message ?? '', /may or may not have been applied/, `a non-ServerTimeout failure says its outcome is unknown: ${JSON.stringify(f)}`);
  assert.ok(recovery <= RECOVERY_BOUND_MS, `the server takes writes within ${RECOVERY_BOUND_MS} ms of the datastore being back: ${recovery}`);

  // Every acknowledged create is there, whole; whatever else is there came from an unknown outcome.
  const r = await httpsRequest({ url: `${server.url}/api/v1/namespaces/${ns}/configmaps`, creds, timeoutMs: 30_000 });
  const stored = new Map((JSON.parse(r.body.toString()) as { items: Array<{ metadata: { name: string }; data?: Record<string, string> }> }).items.map((cm) => [cm.metadata.name, cm.data]));
  const lost = [...acked.keys()].filter((name) => !stored.has(name));
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged creates missing`);
  const failedNames = new Map(failed.map((f) => [f.name, f]));
  for (const [name, data] of stored) {
    if (name === 'marker' || name === 'during-outage' || name.startsWith('kube-root-ca')) continue;
    assert.deepEqual(data, payloadFor(name), `configmap ${name} is torn`);
    const f = failedNames.get(name);
    assert.ok(acked.has(name) || f, `configmap ${name} was never sent`);
    assert.ok(!f || f.reason !== 'ServerTimeout', `configmap ${name} exists though its create answered ServerTimeout`);
  }
  const unseen = [...acked.keys()].filter((name) => !watch.added.has(name));
  assert.deepEqual(unseen.slice(0, 10), [], `${unseen.length} acknowledged creates not seen by the watch`);

  // /readyz said the datastore check failed while the datastore was away, and is ok again.
  const notReady = readyz.filter((x) => x.status !== 200);
  assert.ok(notReady.length > 0, '/readyz reported something while the datastore was down');
  for (const x of notReady) {
    assert.ok(x.at >= downAt - 500, `/readyz failed before the restart: ${x.status} ${x.body}`);
    assert.equal(x.status, 500, x.body);
    assert.match(x.body, /\[-\]etcd failed/);
  }
  assert.ok(readyz.some((x) => x.at >= upAt && x.status === 200), '/readyz is ok again');
  // The outage is not an internal error: no stack traces in the server's log.
  assert.ok(!/internal error on POST/.test(server.log), `no internal-error stacks logged for the outage:\n${server.log.slice(-3000)}`);
  // The leading server's controllers share one abort signal; a warning about its listeners would be a leak.
  assert.ok(!/MaxListenersExceededWarning/.test(server.log), `no listener-leak warning:\n${server.log.slice(-3000)}`);
}
