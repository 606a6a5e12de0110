// Crash durability: SIGKILL the server while 32 clients are creating ConfigMaps, restart it on the
// same data dir (a fresh port), and check that every create it acknowledged (201) survived whole, that nothing it
// never saw appeared, and that the SQLite file is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { httpsRequest, K3tsProcess, type AdminCredentials } from './k3ts-process.js';

const LOOPS = 32;
const KILL_AFTER_MS = 1500;
/** Below this many acknowledged creates the kill proves little; keep creating until we have them. */
const MIN_ACKED = 2000;
const MAX_WAIT_FOR_ACKED_MS = 30_000;
const NS = 'default';

/** A payload that is a pure function of the name, so a reader can tell a whole object from a torn one. */
function payloadFor(name: string): Record<string, string> {
  const digest = createHash('sha256').update(name).digest('hex');
  const size = 512 + (parseInt(digest.slice(0, 4), 16) % 3584); // 0.5–4 KiB
  return {
    name,
    digest,
    blob: digest.repeat(Math.ceil(size / digest.length)).slice(0, size),
    unicode: `ü—✓-${name}`,
  };
}

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string };
  data?: Record<string, string>;
}

function assertWhole(cm: ConfigMap, where: string): void {
  assert.equal(typeof cm.metadata?.name, 'string', `${where}: object without a name: ${JSON.stringify(cm).slice(0, 300)}`);
  assert.deepEqual(cm.data, payloadFor(cm.metadata.name), `${where}: configmap ${cm.metadata.name} has torn or wrong data`);
}

const url = (server: K3tsProcess, path: string) => `${server.url}${path}`;

test('SIGKILL during 32 concurrent create loops loses no acknowledged ConfigMap and leaves the database intact', { timeout: 180_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-kill9-'));
  let server: K3tsProcess | undefined;
  t.after(async () => {
    if (server?.alive) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  server = await K3tsProcess.start({ root });
  const creds: AdminCredentials = server.credentials();
  const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });

  const acked = new Set<string>();
  /** Sent but never answered 201: each may or may not exist after the crash, but if it does it is whole. */
  const unacked = new Set<string>();
  const otherStatuses = new Map<number, number>();
  let stop = false;

  const creator = async (loop: number) => {
    for (let i = 0; !stop; i++) {
      const name = `cm-${loop}-${i}`;
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: payloadFor(name) });
      unacked.add(name);
      try {
        const r = await httpsRequest({
          url: url(server!, `/api/v1/namespaces/${NS}/configmaps`),
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          body,
          creds,
          agent,
          timeoutMs: 10_000,
        });
        if (r.status === 201) {
          unacked.delete(name);
          acked.add(name);
        } else {
          otherStatuses.set(r.status, (otherStatuses.get(r.status) ?? 0) + 1);
          if (!stop) throw new Error(`create ${name} answered ${r.status} before the kill: ${r.body.toString().slice(0, 300)}`);
        }
      } catch (err) {
        if (!stop) throw err;
        return; // the connection died with the server: expected once it is killed
      }
    }
  };

  const loops = Array.from({ length: LOOPS }, (_, i) => creator(i));
  const loopFailure = Promise.all(loops).then(() => undefined);
  const started = Date.now();
  // Kill while creates are in flight: after ~1.5 s, and not before the acknowledged count means something.
  await Promise.race([
    (async () => {
      while (Date.now() - started < KILL_AFTER_MS || (acked.size < MIN_ACKED && Date.now() - started < MAX_WAIT_FOR_ACKED_MS)) {
        await new Promise((r) => setTimeout(r, 10));
      }
    })(),
    loopFailure.then(() => {
      throw new Error('creator loops ended before the kill');
    }),
  ]);
  const inFlightAtKill = unacked.size;
  const ackedAtKill = acked.size;
  const elapsed = Date.now() - started;
  stop = true;
  server.signal('SIGKILL');
  const ended = await server.exited;
  assert.equal(ended.signal, 'SIGKILL', 'the server must have died from our SIGKILL');
  await loopFailure;
  agent.destroy();
  // A response that raced the kill counts as acknowledged: the client saw 201.
  const ackedTotal = acked.size;
  t.diagnostic(`acknowledged creates before the kill: ${ackedAtKill} in ${elapsed} ms (${ackedTotal} incl. responses racing the kill); in flight at the kill: ${inFlightAtKill}; non-201 answers after stop: ${JSON.stringify([...otherStatuses])}`);
  console.log(`# kill9: ${ackedTotal} acknowledged creates (${ackedAtKill} when the kill was decided after ${elapsed} ms), ${unacked.size} unanswered at the kill`);
  assert.ok(ackedTotal >= MIN_ACKED, `only ${ackedTotal} creates were acknowledged before the kill`);

  // Restart on the same data dir, on a fresh port: the old one is free only until another test file
  // running in parallel takes it (EADDRINUSE). Credentials are re-read from the kubeconfig below.
  server = await K3tsProcess.start({ root });
  const creds2 = server.credentials();
  const agent2 = new Agent({ keepAlive: true, maxSockets: 32 });
  try {
    // Every acknowledged name: GET 200 with its whole payload.
    const names = [...acked];
    const missing: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          const r = await httpsRequest({ url: url(server!, `/api/v1/namespaces/${NS}/configmaps/${name}`), creds: creds2, agent: agent2 });
          if (r.status === 404) {
            missing.push(name);
            continue;
          }
          assert.equal(r.status, 200, `GET ${name}: ${r.status} ${r.body.toString().slice(0, 300)}`);
          const cm = JSON.parse(r.body.toString()) as ConfigMap;
          assert.equal(cm.metadata.name, name);
          assertWhole(cm, `GET ${name}`);
        }
      }),
    );
    assert.deepEqual(missing.sort(), [], `${missing.length} acknowledged ConfigMaps are gone after the crash`);

    // LIST: all of them, no phantom, no torn object, resourceVersions consistent with the list's.
    const full = await httpsRequest({ url: url(server, `/api/v1/namespaces/${NS}/configmaps`), creds: creds2, agent: agent2, timeoutMs: 30_000 });
    assert.equal(full.status, 200, full.body.toString().slice(0, 300));
    const list = JSON.parse(full.body.toString()) as { kind: string; metadata: { resourceVersion: string }; items: ConfigMap[] };
    assert.equal(list.kind, 'ConfigMapList');
    const listRv = Number(list.metadata.resourceVersion);
    assert.ok(Number.isSafeInteger(listRv) && listRv > 0, `list resourceVersion ${list.metadata.resourceVersion}`);
    const listed = new Set<string>();
    const rvs = new Set<string>();
    for (const cm of list.items) {
      if (cm.metadata.name === 'kube-root-ca.crt') continue;
      assert.ok(acked.has(cm.metadata.name) || unacked.has(cm.metadata.name), `LIST holds ${cm.metadata.name}, which no client ever sent`);
      assertWhole(cm, 'LIST');
      const rv = Number(cm.metadata.resourceVersion);
      assert.ok(Number.isSafeInteger(rv) && rv > 0 && rv <= listRv, `${cm.metadata.name}: resourceVersion ${cm.metadata.resourceVersion} vs list ${listRv}`);
      assert.ok(!rvs.has(cm.metadata.resourceVersion!), `two objects share resourceVersion ${cm.metadata.resourceVersion}`);
      rvs.add(cm.metadata.resourceVersion!);
      listed.add(cm.metadata.name);
    }
    const notListed = names.filter((n) => !listed.has(n));
    assert.deepEqual(notListed.slice(0, 20), [], `${notListed.length} acknowledged ConfigMaps missing from the LIST`);
    const survivedUnacked = [...unacked].filter((n) => listed.has(n)).length;
    t.diagnostic(`after restart: ${listed.size} configmaps listed at resourceVersion ${listRv} (${survivedUnacked} of ${unacked.size} unanswered creates had committed)`);

    // Paged LIST at that resourceVersion: every page reports the same snapshot and the pages add up to the full list.
    const paged: string[] = [];
    let cont = '';
    do {
      const q = `limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
      const r = await httpsRequest({ url: url(server, `/api/v1/namespaces/${NS}/configmaps?${q}`), creds: creds2, agent: agent2, timeoutMs: 30_000 });
      assert.equal(r.status, 200, r.body.toString().slice(0, 300));
      const page = JSON.parse(r.body.toString()) as { metadata: { resourceVersion: string; continue?: string }; items: ConfigMap[] };
      assert.equal(page.metadata.resourceVersion, list.metadata.resourceVersion, 'every page of a paged LIST is the same snapshot');
      for (const cm of page.items) paged.push(cm.metadata.name);
      cont = page.metadata.continue ?? '';
    } while (cont);
    assert.deepEqual(paged, list.items.map((c) => c.metadata.name), 'paged LIST equals the full LIST');

    // Revisions continue after the crash: a new write gets a resourceVersion above everything before it.
    const probe = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' }, data: payloadFor('after-restart') });
    const created = await httpsRequest({
      url: url(server, `/api/v1/namespaces/${NS}/configmaps`),
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: probe,
      creds: creds2,
      agent: agent2,
    });
    assert.equal(created.status, 201, created.body.toString().slice(0, 300));
    const createdRv = Number((JSON.parse(created.body.toString()) as ConfigMap).metadata.resourceVersion);
    assert.ok(createdRv > listRv, `a create after the restart got resourceVersion ${createdRv}, not above the pre-crash ${listRv}`);
  } finally {
    agent2.destroy();
  }

  // Clean stop, then check the file itself (the server holds an exclusive lock while it runs).
  const stopped = await server.stop();
  assert.equal(stopped.forced, false, `the server ignored SIGTERM:\n${server.log}`);
  assert.equal(stopped.code, 0, `the server exited ${stopped.code ?? stopped.signal} on SIGTERM:\n${server.log}`);
  const db = new Database(join(server.dataDir, 'server', 'db', 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    assert.deepEqual(integrity, [{ integrity_check: 'ok' }]);
    // Straight from the file: the newest row of every configmap key decodes to a whole object.
    const prefix = `/registry/core/configmaps/${NS}/`;
    const rows = db
      .prepare(
        `SELECT k.name, k.deleted, k.value FROM kv_log k
         WHERE k.name >= ? AND k.name < ? AND k.id = (SELECT MAX(m.id) FROM kv_log m WHERE m.name = k.name)`,
      )
      .all(prefix, `${prefix}\uffff`) as { name: string; deleted: number; value: string }[];
    let whole = 0;
    for (const row of rows) {
      if (row.deleted) continue;
      let obj: ConfigMap;
      try {
        obj = JSON.parse(row.value) as ConfigMap;
      } catch (err) {
        assert.fail(`row ${row.name} does not decode: ${(err as Error).message}: ${row.value.slice(0, 200)}`);
      }
      assert.equal(obj.kind, 'ConfigMap', row.name);
      assert.equal(obj.metadata.name, row.name.slice(prefix.length), `row ${row.name} holds ${obj.metadata.name}`);
      if (obj.metadata.name === 'kube-root-ca.crt') continue;
      assertWhole(obj, `row ${row.name}`);
      whole++;
    }
    assert.ok(whole >= ackedTotal + 1, `the file holds ${whole} whole configmaps, fewer than the ${ackedTotal} acknowledged + 1`);
  } finally {
    db.close();
  }
});
