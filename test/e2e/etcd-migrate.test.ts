// A server that ran on SQLite is restarted with --cluster-init: its data moves into the new managed
// etcd (checked object by object with real kubectl), the old kubeconfig, the server token and a join
// token made before still work, a second server joins it, and the SQLite file is kept aside, no longer
// the store. Both servers run with --disable-agent, so neither has a Node whose deletion would remove
// its etcd member: `k3ts etcd-member` lists them, refuses what would end the datastore, and removes
// the second server's member, after which that server stops.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { K3tsProcess, httpsRequest } from '../durability/k3ts-process.js';
import { etcdSkipReason } from '../../src/storage/etcd/test-etcd.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/db-process.js';
import { processGone } from '../support/process-gone.js';
import { AgentProcess } from './agent-process.js';
import { kubectls, repoRoot } from './harness.js';

const kubectl = kubectls[0]!.bin;
const H1 = '127.0.0.31';
const H2 = '127.0.0.32';
const AGENT_IP = '127.0.0.33';

function run(bin: string, args: string[], env: Record<string, string> = {}, timeout = 60_000): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, stdout }),
    );
  });
}
const k3ts = (args: string[]) => run(join(repoRoot, 'bin', 'k3ts'), args);

/** What must survive the move: identity, content, and spec; not resourceVersion (etcd numbers anew)
 *  nor status (controllers may write it again after the restart). */
function essence(o: any) {
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
  return { kind: o.kind, meta, data: o.data, binaryData: o.binaryData, type: o.type, spec: o.spec };
}

describe('SQLite to managed etcd, and etcd-member', { skip: etcdSkipReason(), timeout: 300_000 }, () => {
  let root: string;
  let kubeCache: string;
  let s1: K3tsProcess | undefined;
  let s2: K3tsProcess | undefined;
  let agent: AgentProcess | undefined;
  const etcdArgs: Record<string, string[]> = {};
  const dir1 = () => join(root, 's1');
  const dataDir1 = () => join(dir1(), 'data');
  const db1 = () => join(dataDir1(), 'server', 'db');
  const kc = (kubeconfig: string, server: string, args: string[]) => run(kubectl, ['--kubeconfig', kubeconfig, '--server', server, ...args], { KUBECACHEDIR: kubeCache });
  const ok = async (p: Promise<{ code: number; out: string; stdout: string }>) => {
    const r = await p;
    assert.equal(r.code, 0, r.out);
    return r.stdout;
  };
  const snapshot = async (kubeconfig: string, server: string) => {
    const list = JSON.parse(await ok(kc(kubeconfig, server, ['get', 'namespaces,configmaps,secrets,deployments', '-A', '-l', 'mig=yes', '-o', 'json']))) as { items: any[] };
    return new Map(list.items.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, essence(o)]));
  };

  /** kubectl's -o json makes its own List without a version: the API's own answer has it. */
  const listVersion = async (s: K3tsProcess) => {
    const r = await httpsRequest({ url: `${s.url}/api/v1/namespaces/mig-a/configmaps`, creds: s.credentials() });
    assert.equal(r.status, 200, r.body.toString());
    return (JSON.parse(r.body.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  };

  let before1: Map<string, unknown>;
  let oldKubeconfig: string;
  let serverToken: string;
  let joinToken: string;
  let ca: string;
  let oldListVersion: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-etcd-migrate-'));
    kubeCache = join(root, 'kubecache');
    for (const [name, host] of [['s1', H1], ['s2', H2]] as const) {
      mkdirSync(join(root, name));
      etcdArgs[name] = ['--node-name', `mig-${name}`, '--etcd-client-port', String(await freePort(host)), '--etcd-peer-port', String(await freePort(host))];
    }
    // On SQLite: no datastore flag, no --cluster-init.
    s1 = await K3tsProcess.start({ root: dir1(), host: H1, readyTimeoutMs: 60_000 });
    const manifest = join(root, 'objects.yaml');
    const objects: string[] = [];
    for (const ns of ['mig-a', 'mig-b']) {
      objects.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {mig: "yes"}}`);
      for (let i = 0; i < 5; i++) objects.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: ${ns}, labels: {mig: "yes"}, annotations: {note: "n${i}"}}\ndata: {i: "${i}", text: "héllo ${ns}"}`);
    }
    objects.push('apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: mig-a, labels: {mig: "yes"}}\ntype: Opaque\nstringData: {password: "s3cret-before-migration"}');
    objects.push('apiVersion: v1\nkind: Secret\nmetadata: {name: tls-ish, namespace: mig-b, labels: {mig: "yes"}}\ndata: {blob: "AAECAwQF/w=="}');
    objects.push('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: mig-a, labels: {mig: "yes"}}\nspec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: "registry.local/web:1"}]}}}');
    writeFileSync(manifest, objects.join('\n---\n'));
    await ok(kc(s1.kubeconfig, s1.url, ['apply', '-f', manifest]));
    // A change after creation: only the latest value has to move.
    await ok(kc(s1.kubeconfig, s1.url, ['-n', 'mig-b', 'patch', 'configmap', 'cm-0', '-p', '{"data":{"i":"patched"}}']));
    await ok(kc(s1.kubeconfig, s1.url, ['-n', 'mig-b', 'delete', 'configmap', 'cm-4']));
    // SQLite's revision well ahead of where etcd will start counting, as in any cluster that ran a while.
    const agentOpts = new Agent({ keepAlive: true, maxSockets: 8 });
    const creds = s1.credentials();
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 50; i++) {
        const r = await httpsRequest({ url: `${s1!.url}/api/v1/namespaces/mig-b/configmaps/cm-1`, creds, method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { annotations: { [`churn-${w}`]: String(i) } } }), agent: agentOpts });
        assert.equal(r.status, 200, r.body.toString());
      }
    }));
    agentOpts.destroy();
    oldListVersion = await listVersion(s1);
    joinToken = (await ok(k3ts(['token', 'create', '--kubeconfig', s1.kubeconfig, '--description', 'made on SQLite']))).trim();
    before1 = await snapshot(s1.kubeconfig, s1.url);
    oldKubeconfig = join(root, 'kubeconfig-before.yaml');
    copyFileSync(s1.kubeconfig, oldKubeconfig);
    serverToken = readFileSync(join(dataDir1(), 'server', 'token'), 'utf8').trim();
    ca = s1.credentials().ca;
    await s1.stop();
    s1 = undefined;
  });

  after(async () => {
    await agent?.stop();
    await s2?.stop();
    await s1?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('restarted with --cluster-init: every object is back with the same content, and SQLite is kept aside', async () => {
    assert.equal(before1.size, 2 + 9 + 2 + 1, 'namespaces, configmaps, secrets, the deployment');
    assert.ok(existsSync(join(db1(), 'state.db')));
    s1 = await K3tsProcess.start({ root: dir1(), host: H1, readyTimeoutMs: 90_000, extraArgs: ['--cluster-init', ...etcdArgs.s1!] });
    assert.match(s1.log, /moved the SQLite datastore into etcd: \d+ keys \([\d.]+ MiB\) in \d+ ms; every resourceVersion is new, clients list again; the SQLite file is kept as \S+state\.db\.migrated/);
    await eventually(() => /k3ts server is ready .*datastore=etcd/.test(s1!.log), 20_000, 'the server is ready on etcd');
    assert.ok(!existsSync(join(db1(), 'state.db')), 'state.db is no longer there to be opened');
    assert.ok(existsSync(join(db1(), 'state.db.migrated')));
    assert.ok(!existsSync(join(db1(), 'sqlite-migration.json')), 'the unfinished-migration marker is gone');

    const after1 = await snapshot(oldKubeconfig, s1.url);
    assert.deepEqual([...after1.keys()].sort(), [...before1.keys()].sort());
    for (const [key, was] of before1) assert.deepEqual(after1.get(key), was, key);
    assert.equal(Buffer.from(JSON.parse(await ok(kc(oldKubeconfig, s1.url, ['-n', 'mig-a', 'get', 'secret', 'creds', '-o', 'json']))).data.password, 'base64').toString(), 's3cret-before-migration');
    assert.equal(s1.credentials().ca, ca, 'the same cluster CA');
  });

  it('a watch resumed at a resourceVersion from SQLite is told 410 Gone (and so lists again) instead of waiting silently', async () => {
    const now = await listVersion(s1!);
    assert.ok(Number(now) < Number(oldListVersion), `etcd (${now}) has not yet reached SQLite's revision (${oldListVersion})`);
    const r = await httpsRequest({ url: `${s1!.url}/api/v1/namespaces/mig-a/configmaps?watch=1&resourceVersion=${oldListVersion}`, creds: s1!.credentials(), closeStreamsAfterMs: 3000 });
    assert.equal(r.status, 200);
    const first = JSON.parse(r.body.toString().split('\n')[0]!) as { type: string; object: { code: number; reason: string } };
    assert.equal(first.type, 'ERROR', r.body.toString());
    assert.equal(first.object.code, 410);
    assert.equal(first.object.reason, 'Expired');
    // A watch from the version a list on etcd gave works as ever.
    const fresh = await httpsRequest({ url: `${s1!.url}/api/v1/namespaces/mig-a/configmaps?watch=1&resourceVersion=${now}`, creds: s1!.credentials(), closeStreamsAfterMs: 1000 });
    assert.equal(fresh.status, 200);
    assert.doesNotMatch(fresh.body.toString(), /"ERROR"/);
  });

  it('a join token made on SQLite still lets an agent join; the server token lets a second server join', async () => {
    agent = new AgentProcess({ server: s1!.url, token: joinToken, nodeName: 'mig-worker', nodeIp: AGENT_IP });
    await eventually(async () => (await kc(s1!.kubeconfig, s1!.url, ['get', 'node', 'mig-worker'])).code === 0, 60_000, 'the agent registered');
    await ok(kc(s1!.kubeconfig, s1!.url, ['wait', '--for=condition=Ready', 'node/mig-worker', '--timeout=60s']));

    s2 = await K3tsProcess.start({ root: join(root, 's2'), host: H2, readyTimeoutMs: 120_000, extraArgs: ['--server', s1!.url, '--token', serverToken, ...etcdArgs.s2!] });
    assert.match(s2.log, /this etcd member is now a voting member/);
    // A write through the second server lands in the shared etcd; nothing reaches the kept SQLite file.
    await ok(kc(s2.kubeconfig, s2.url, ['-n', 'mig-a', 'create', 'configmap', 'after-migration', '--from-literal=k=v']));
    assert.equal(await ok(kc(s1!.kubeconfig, s1!.url, ['-n', 'mig-a', 'get', 'configmap', 'after-migration', '-o', 'jsonpath={.data.k}'])), 'v');
    const viaS2 = await snapshot(s2.kubeconfig, s2.url);
    for (const [key, was] of before1) assert.deepEqual(viaS2.get(key), was, key);
  });

  it('k3ts etcd-member: lists both, refuses this server\'s own member and unknown names, removes the other; that server stops', async () => {
    const list = await k3ts(['etcd-member', 'list', '--data-dir', dataDir1()]);
    assert.equal(list.code, 0, list.out);
    const rows = list.stdout.trim().split('\n');
    assert.match(rows[0]!, /^NAME\s+ID\s+ROLE\s+PEER URLS\s+CLIENT URLS\s+THIS SERVER$/);
    assert.equal(rows.length, 3, list.stdout);
    const own = rows.find((r) => /^mig-s1-[0-9a-f]{8}\s/.test(r))!;
    const other = rows.find((r) => /^mig-s2-[0-9a-f]{8}\s/.test(r))!;
    assert.match(own, /\svoter\s+https:\/\/127\.0\.0\.31:\d+\s+https:\/\/127\.0\.0\.31:\d+\s+yes$/);
    assert.match(other, /\svoter\s+https:\/\/127\.0\.0\.32:\d+\s+https:\/\/127\.0\.0\.32:\d+$/);
    const ownName = own.split(/\s+/)[0]!;
    const otherName = other.split(/\s+/)[0]!;

    const self = await k3ts(['etcd-member', 'remove', ownName, '--data-dir', dataDir1()]);
    assert.equal(self.code, 1);
    assert.equal(self.out.trim(), `k3ts: "${ownName}" is this server's own etcd member: removing it would take this server's datastore away; stop this server for good and run the remove on another one`);
    const unknown = await k3ts(['etcd-member', 'remove', 'mig-s9', '--data-dir', dataDir1()]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.out.trim(), `k3ts: no etcd member named "mig-s9"; the members are: ${ownName} (this server), ${otherName}`);

    // etcd refuses while the new member has been connected for less than 5 s; the refusal says so.
    let removed = await k3ts(['etcd-member', 'remove', otherName, '--data-dir', dataDir1()]);
    for (let i = 0; removed.code !== 0 && i < 20; i++) {
      assert.match(removed.out.trim(), new RegExp(`^k3ts: etcd refused to remove "${otherName}" now: without it too few members have been connected long enough to keep quorum`));
      await new Promise((r) => setTimeout(r, 1000));
      removed = await k3ts(['etcd-member', 'remove', otherName, '--data-dir', dataDir1()]);
    }
    assert.equal(removed.code, 0, removed.out);
    assert.match(removed.stdout, new RegExp(`^removed etcd member ${otherName} \\([0-9a-f]+\\)`));
    // Its etcd leaves the cluster and stops, and the server with it (it has no datastore left).
    const ended = await Promise.race([s2!.exited, new Promise((r) => setTimeout(() => r('still running'), 60_000))]);
    assert.notEqual(ended, 'still running', s2!.log.slice(-2000));
    const left = await k3ts(['etcd-member', 'list', '--data-dir', dataDir1()]);
    assert.equal(left.stdout.trim().split('\n').length, 2, left.out);
    assert.match(left.stdout, new RegExp(`^${ownName}\\s`, 'm'));
    // The cluster goes on with one member.
    await ok(kc(s1!.kubeconfig, s1!.url, ['-n', 'mig-a', 'get', 'configmap', 'cm-1']));
  });

  it('a SQLite file beside an etcd member it did not fill is refused with one line, before anything starts', async () => {
    await s1!.stop();
    s1 = undefined;
    copyFileSync(join(db1(), 'state.db.migrated'), join(db1(), 'state.db'));
    const etcdLog = readFileSync(join(db1(), 'etcd.log'), 'utf8').length;
    const port = await freePort(H1);
    const r = await k3ts(['server', '--data-dir', dataDir1(), '--bind-address', H1, '--advertise-address', H1, '--https-listen-port', String(port), '--disable-agent', '--write-kubeconfig', join(root, 'kc-refused'), ...etcdArgs.s1!]);
    assert.equal(r.code, 1);
    assert.equal(r.out.trim().split('\n').length, 1, r.out);
    assert.match(r.out, /^k3ts: server failed to start: \S+state\.db \(a SQLite datastore\) and \S+etcd \(an etcd member\) both hold cluster data, and neither was migrated from the other here: move away the one to drop/);
    assert.equal(readFileSync(join(db1(), 'etcd.log'), 'utf8').length, etcdLog, 'etcd was not started');
    rmSync(join(db1(), 'state.db'));
  });
});

// SIGKILL while the data moves: whatever point it hits, the next start must serve every object (by
// uid), never a half-filled etcd, and SQLite must stay the store until the copy is complete.
describe('a server killed while it moves SQLite into etcd', { skip: etcdSkipReason(), timeout: 240_000 }, () => {
  const HOST = '127.0.0.34';
  const COUNT = 3000;
  let root: string;
  let server: K3tsProcess | undefined;
  let killed: ReturnType<typeof spawn> | undefined;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-etcd-migrate-kill-'));
  });
  after(async () => {
    if (killed && killed.exitCode === null && killed.signalCode === null) killed.kill('SIGKILL');
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('the next start copies again and every object is there', async () => {
    server = await K3tsProcess.start({ root, host: HOST, readyTimeoutMs: 60_000 });
    const creds = server.credentials();
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const uids = new Map<string, string>();
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < COUNT) {
        const name = `cm-${next++}`;
        const r = await httpsRequest({ url: `${server!.url}/api/v1/namespaces/default/configmaps`, creds, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { pad: 'x'.repeat(500) } }), agent, timeoutMs: 30_000 });
        assert.equal(r.status, 201, r.body.toString());
        uids.set(name, (JSON.parse(r.body.toString()) as { metadata: { uid: string } }).metadata.uid);
      }
    }));
    agent.destroy();
    await server.stop();
    const dataDir = server.dataDir;
    const db = join(dataDir, 'server', 'db');
    const etcdPorts = ['--etcd-client-port', String(await freePort(HOST)), '--etcd-peer-port', String(await freePort(HOST))];

    // Killed the moment etcd serves: the copy starts right then (about 1 s for this many keys).
    const port = await freePort(HOST);
    const proc = spawn(join(repoRoot, 'bin', 'k3ts'), ['server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', HOST, '--advertise-address', HOST, '--disable-agent', '--write-kubeconfig', join(root, 'kc-killed'), '--cluster-init', ...etcdPorts], { stdio: ['ignore', 'pipe', 'pipe'] });
    killed = proc;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`etcd never served:\n${out}`)), 90_000);
      const onData = (c: Buffer) => {
        out += c.toString();
        if (/managed etcd is serving/.test(out)) {
          proc.kill('SIGKILL');
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
    });
    await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once('exit', r)));
    const etcdPid = (JSON.parse(readFileSync(join(db, 'etcd.pid'), 'utf8')) as { pid: number }).pid;
    await eventually(() => processGone(etcdPid), 10_000, 'its etcd died with it (pdeathsig)');
    const interrupted = existsSync(join(db, 'state.db'));
    // SQLite stays the store until the copy is complete, and the marker says a copy was under way.
    if (interrupted) assert.ok(existsSync(join(db, 'sqlite-migration.json')), 'state.db without the marker after a kill');
    else assert.ok(existsSync(join(db, 'state.db.migrated')));

    server = await K3tsProcess.start({ root, host: HOST, readyTimeoutMs: 120_000, extraArgs: etcdPorts });
    if (interrupted) assert.match(server.log, /an earlier move of the SQLite datastore into etcd did not finish; copying again/);
    assert.ok(!existsSync(join(db, 'state.db')) && !existsSync(join(db, 'sqlite-migration.json')));
    const r = await httpsRequest({ url: `${server.url}/api/v1/namespaces/default/configmaps`, creds: server.credentials(), timeoutMs: 60_000 });
    const got = new Map((JSON.parse(r.body.toString()) as { items: Array<{ metadata: { name: string; uid: string } }> }).items.map((i) => [i.metadata.name, i.metadata.uid]));
    for (const [name, uid] of uids) assert.equal(got.get(name), uid, name);
    process.stdout.write(`# killed ${interrupted ? 'during the copy (state.db still there): copied again' : 'after the copy had finished'}\n`);
  });
});
