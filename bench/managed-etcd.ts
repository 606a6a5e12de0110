// `node dist/bench/managed-etcd.js [rounds]`: three `k3ts server --cluster-init/--server` on
// 127.0.0.2-4 (free ports). Measures
//   - RSS of each server process and of its etcd child, after 1,000 ConfigMap creates;
//   - failover: each round SIGKILLs the server whose etcd is the raft leader while 8 writers create
//     ConfigMaps through the other two, and takes the time from the kill to the first acknowledged
//     create sent after it (writes accepted again); the killed server is started again (it rejoins
//     as the member it was) before the next round.
// Prints one line per figure; the last stdout line is JSON.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3tsProcess, httpsRequest, type AdminCredentials } from '../test/durability/k3ts-process.js';
import { EtcdAdmin } from '../src/storage/etcd/etcd-admin.js';
import { loadTlsMaterial } from '../src/storage/etcd/tls-files.js';
import { rssMb } from './proc.js';
import { median } from './stats.js';
import { freePort } from '../test/support/db-process.js';
import { processGone } from '../test/support/process-gone.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const TOKEN = 'managed-etcd-bench-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



interface Member {
  host: string;
  root: string;
  port: number;
  args: string[];
  proc?: K3tsProcess;
}

const etcdPid = (s: K3tsProcess) => (JSON.parse(readFileSync(join(s.dataDir, 'server/db/etcd.pid'), 'utf8')) as { pid: number }).pid;
const tlsOf = (dir: string) => loadTlsMaterial({ caFile: join(dir, 'server/tls/etcd/server-ca.crt'), certFile: join(dir, 'server/tls/etcd/member.crt'), keyFile: join(dir, 'server/tls/etcd/member.key') });

async function raftLeaderHost(via: K3tsProcess): Promise<string> {
  const admin = new EtcdAdmin(readFileSync(join(via.dataDir, 'server/db/etcd-endpoint'), 'utf8').trim(), tlsOf(via.dataDir));
  try {
    const { leader } = await admin.status();
    const url = (await admin.memberList()).find((m) => m.ID === leader)?.clientURLs[0] ?? '';
    return new URL(url).hostname;
  } finally {
    admin.close();
  }
}

async function create(url: string, creds: AdminCredentials, name: string, agent: Agent, timeoutMs = 15_000): Promise<boolean> {
  try {
    const r = await httpsRequest({
      url: `${url}/api/v1/namespaces/default/configmaps`,
      creds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { pad: 'x'.repeat(200) } }),
      agent,
      timeoutMs,
    });
    return r.status === 201;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-bench-etcd-'));
  const members: Member[] = [];
  try {
    for (const host of HOSTS) {
      const dir = join(root, host);
      mkdirSync(dir);
      members.push({ host, root: dir, port: await freePort(host), args: ['--token', TOKEN, '--etcd-client-port', String(await freePort(host)), '--etcd-peer-port', String(await freePort(host)), '--etcd-disable-snapshots'] });
    }
    const start = async (m: Member, extra: string[]) => (m.proc = await K3tsProcess.start({ root: m.root, host: m.host, port: m.port, readyTimeoutMs: 90_000, extraArgs: [...m.args, ...extra] }));
    const s1 = await start(members[0]!, ['--cluster-init']);
    for (const m of members.slice(1)) await start(m, ['--server', s1.url]);
    const creds = s1.credentials();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    let n = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (n < 1000) await create(s1.url, creds, `rss-${n++}`, agent);
    }));
    await sleep(2000);
    const rss = members.map((m) => ({ host: m.host, serverMb: rssMb(m.proc!.pid), etcdMb: rssMb(etcdPid(m.proc!)) }));
    for (const r of rss) process.stdout.write(`RSS ${r.host}: server ${r.serverMb} MB, its etcd ${r.etcdMb} MB\n`);

    const failovers: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const leaderHost = await raftLeaderHost(members[0]!.proc!.alive ? members[0]!.proc! : members[1]!.proc!);
      const victim = members.find((m) => m.host === leaderHost)!;
      const others = members.filter((m) => m !== victim).map((m) => m.proc!);
      let killedAt = 0;
      let etcdGoneAt = 0;
      let firstAck = 0;
      let stop = false;
      let i = 0;
      const writers = Array.from({ length: 8 }, async (_, w) => {
        while (!stop) {
          const sentAt = Date.now();
          const ok = await create(others[(w + i) % 2]!.url, creds, `fo${round}-${i++}`, agent);
          // Only requests sent once the killed etcd is gone: before, its leader may still commit.
          if (ok && etcdGoneAt && sentAt >= etcdGoneAt && !firstAck) firstAck = Date.now();
        }
      });
      await sleep(1500);
      const victimEtcd = etcdPid(victim.proc!);
      victim.proc!.signal('SIGKILL');
      killedAt = Date.now();
      while (!processGone(victimEtcd) && Date.now() - killedAt < 5000) await sleep(5);
      etcdGoneAt = Date.now();
      // Writes proposed as the raft leader died hang until etcd's request timeout (7 s), so the
      // writers above may all be stuck: fresh creates, each given up after 1.5 s, time the failover
      // as a user sending a new write sees it.
      const probeAgent = new Agent({ keepAlive: true, maxSockets: 2 });
      const probing = (async () => {
        for (let p = 0; !firstAck && Date.now() - killedAt < 30_000; p++) {
          if (await create(others[p % 2]!.url, creds, `probe${round}-${p}`, probeAgent, 1500)) firstAck ||= Date.now();
        }
      })();
      await victim.proc!.exited;
      while (!firstAck && Date.now() - killedAt < 30_000) await sleep(20);
      stop = true;
      await Promise.all([...writers, probing]);
      probeAgent.destroy();
      failovers.push(firstAck ? firstAck - killedAt : Infinity);
      process.stdout.write(`round ${round + 1}: killed ${victim.host} (raft leader; its etcd gone after ${etcdGoneAt - killedAt} ms); writes accepted again after ${failovers.at(-1)} ms\n`);
      await start(victim, []);
    }
    agent.destroy();
    const result = { rss, failoverMs: failovers, failoverMedianMs: median(failovers) };
    process.stdout.write(`failover median ${result.failoverMedianMs} ms over ${ROUNDS} rounds\n${JSON.stringify(result)}\n`);
  } finally {
    for (const m of members) await m.proc?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
