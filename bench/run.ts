// `npm run bench`: starts a fresh k3ts server in a temporary data dir and measures start time, memory,
// create/LIST/watch/GET latency and CPU on this machine; prints a table, then (last stdout line) one JSON
// object with every number. Progress goes to stderr.
//
//   npm run bench                      the standard run (~3 min on 2 cores), with nodes and scheduling (bench/nodes.ts)
//   npm run bench -- --no-nodes        only the API server (~1.5 min)
//   npm run bench -- --no-pods         without real pods on containerd (bench/real-pods.ts; they need root)
//   npm run bench -- --no-network      without the network benches (service proxy, overlay, DNS; root)
//   npm run bench -- --apibench        also run ../shared/tools/apibench.mjs against the same server
//   npm run bench -- --cpu-prof <dir>  write a V8 CPU profile of the server (the loaded run) into <dir>
//   npm run bench -- --datastore etcd  the API-server phases on another datastore: sqlite (default), etcd,
//                                      postgres or mysql (MariaDB), a private durable one on 127.0.0.1
//                                      started and removed here (bench/datastores.ts); anything but sqlite
//                                      implies --no-nodes --no-pods --no-network
//   npm run bench -- --datastore all --rounds 2
//                                      several datastores (a comma list, or all), each run in a process of
//                                      its own, interleaved round by round; one table of medians and ranges
//                                      (bench/datastore-compare.ts)
//   npm run bench -- --datastore all --baseline ../other-checkout
//                                      each datastore on that (built) checkout too, right before this one's
//                                      run: before and after in the same machine state
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, readKubeconfig } from './client.js';
import { cpuSeconds, rssMb, treeCpuSeconds } from './proc.js';
import { DATASTORES, datastoreSkipReason, isDatastoreKind, startDatastore, type DatastoreKind, type RunningDatastore } from './datastores.js';
import { compareDatastores } from './datastore-compare.js';
import { createConfigMaps, createNamespace, getSingles, listAll, listPaged, watchFanOut } from './phases.js';
import { freePort, startServer, type StartedServer } from './server-process.js';
import { measureRawSqlite } from './sqlite-raw.js';
import { median, round2 } from './stats.js';
import { mb, ms, renderTable, verdict, type Row } from './report.js';
import { benchNodes, nodeRows, type NodesBenchResult } from './nodes.js';
import { benchScheduler, type SchedulerBenchResult } from './scheduler.js';
import { benchRealPods, realPodRows, type RealPodsBenchResult } from './real-pods.js';

const N = 5000;
const CONCURRENCY = 32;
const PAYLOAD_BYTES = 1024;
const LIST_RUNS = 20;
const PAGED_RUNS = 3;
const PAGE_LIMIT = 500;
const WATCHERS = 50;
const UPDATES = 500;
const GETS = 2000;
const WARM_CREATES = 2000;
const RESTARTS = 5;
const IDLE_WAIT_MS = 5000;
const NAMESPACE = 'bench';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const apibenchPath = resolve(repoRoot, '../shared/tools/apibench.mjs');

interface Args {
  apibench: boolean;
  cpuProfDir: string | undefined;
  nodes: boolean;
  pods: boolean;
  network: boolean;
  datastores: DatastoreKind[];
  rounds: number;
  /** Another checkout (built) to run beside this one in a comparison: before and after. */
  baseline: string | undefined;
  /** The arguments as given, minus --datastore and --rounds, for the per-datastore child runs. */
  passThrough: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { apibench: false, cpuProfDir: undefined, nodes: true, pods: true, network: true, datastores: ['sqlite'], rounds: 1, baseline: undefined, passThrough: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--datastore') {
      const value = argv[++i] ?? '';
      const kinds = value === 'all' ? [...DATASTORES] : value.split(',');
      const bad = kinds.filter((k) => !isDatastoreKind(k));
      if (value === '' || bad.length > 0) {
        process.stderr.write(`bench: --datastore ${value || '(missing)'}: use one of ${DATASTORES.join(', ')}, a comma-separated list of them, or all\n`);
        process.exit(2);
      }
      args.datastores = kinds as DatastoreKind[];
      continue;
    }
    if (a === '--rounds') {
      args.rounds = Number(argv[++i]);
      if (!Number.isInteger(args.rounds) || args.rounds < 1) {
        process.stderr.write(`bench: --rounds needs a whole number of at least 1, e.g. --rounds 2\n`);
        process.exit(2);
      }
      continue;
    }
    if (a === '--baseline') {
      args.baseline = resolve(argv[++i] ?? '');
      if (!existsSync(join(args.baseline, 'dist', 'bench', 'run.js'))) {
        process.stderr.write(`bench: --baseline ${args.baseline}: no dist/bench/run.js there; build that checkout first (npm run build)\n`);
        process.exit(2);
      }
      continue;
    }
    args.passThrough.push(a, ...(a === '--cpu-prof' ? [argv[i + 1] ?? ''] : []));
    if (a === '--apibench') args.apibench = true;
    else if (a === '--cpu-prof') args.cpuProfDir = resolve(argv[++i] ?? '');
    else if (a === '--no-nodes') args.nodes = false;
    else if (a === '--no-pods') args.pods = false;
    else if (a === '--no-network') args.network = false;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: npm run bench [-- --apibench] [-- --cpu-prof <dir>] [-- --no-nodes] [-- --no-pods] [-- --no-network] [-- --datastore sqlite|etcd|postgres|mysql|all|<list>] [-- --rounds N] [-- --baseline <checkout>]\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown option ${a} (try --help)\n`);
      process.exit(2);
    }
  }
  for (const kind of args.datastores) {
    const why = datastoreSkipReason(kind);
    if (why) {
      process.stderr.write(`bench: --datastore ${kind}: ${why}\n`);
      process.exit(2);
    }
  }
  // The nodes, pods and network benches do not depend on the datastore; they run on SQLite only.
  if (args.datastores.some((k) => k !== 'sqlite')) Object.assign(args, { nodes: false, pods: false, network: false });
  if (args.apibench && !existsSync(apibenchPath)) {
    process.stderr.write(`bench: --apibench needs ${apibenchPath}, which does not exist\n`);
    process.exit(2);
  }
  return args;
}

const T0 = performance.now();
function log(msg: string): void {
  process.stderr.write(`[bench +${((performance.now() - T0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
}

/** Which code was measured: others commit to this tree all the time, and src/ may hold uncommitted work. */
function gitState(): { commit?: string; srcDirty?: boolean } {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repoRoot, encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), srcDirty: git('status', '--porcelain', '--', 'src').length > 0 };
  } catch {
    return {};
  }
}

function runApibench(kubeconfig: string): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    // apibench ends by deleting its namespace (10,000 objects) and waits up to 300 s for it to go; 60 s
    // keeps a slow or missing namespace controller from stalling the run (upstream needs 18.7 s).
    const child = spawn(process.execPath, [apibenchPath, kubeconfig, '--ns-delete-timeout', '60'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('exit', () => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`apibench printed no JSON line:\n${out.slice(-2000)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.datastores.length > 1 || args.rounds > 1 || args.baseline) {
    await compareDatastores({ datastores: args.datastores, rounds: args.rounds, passThrough: args.passThrough, baseline: args.baseline, log });
    return;
  }
  const datastoreKind = args.datastores[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-'));
  const dataDir = join(dir, 'data');
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const result: Record<string, unknown> = {
    tool: 'k3ts-bench',
    schema: 1,
    started: new Date().toISOString(),
    node: process.version,
    ...gitState(),
    cpus: cpus().length,
    loadavgStart: loadavg().map(round2),
    params: { n: N, concurrency: CONCURRENCY, payloadBytes: PAYLOAD_BYTES, listRuns: LIST_RUNS, pagedRuns: PAGED_RUNS, pageLimit: PAGE_LIMIT, watchers: WATCHERS, updates: UPDATES, gets: GETS, restarts: RESTARTS },
  };
  let server: StartedServer | undefined;
  let client: ApiClient | undefined;
  let datastore: RunningDatastore | undefined;
  const stopAll = async () => {
    client?.close();
    await server?.stop();
    await datastore?.stop();
    datastore = undefined;
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    // Raw SQLite before the server starts and again after it stops: the disk is shared with other work, and
    // its fsync rate is the noisiest number here, so the ratio uses the mean of both.
    log('raw SQLite fsync-ed single-row transactions on the same disk (1.5 s)');
    const rawBefore = await measureRawSqlite(dir, { durationMs: 1500, valueBytes: PAYLOAD_BYTES });
    log(`datastore: ${datastoreKind}`);
    datastore = await startDatastore(datastoreKind);
    result.datastore = { kind: datastore.kind, label: datastore.label };
    const port = await freePort();
    const serverOpts = { dataDir, port, kubeconfigPath: kubeconfig, ...(datastore.endpoint ? { env: { K3TS_DATASTORE_ENDPOINT: datastore.endpoint } } : {}) };

    log(`first start on an empty data dir (${dataDir}, port ${port})`);
    server = await startServer(serverOpts);
    const firstStart = { readyMs: round2(server.readyMs), loggedStartupMs: server.loggedStartupMs };
    await server.stop();
    const restarts: Array<{ readyMs: number; loggedStartupMs: number | undefined }> = [];
    for (let i = 0; i < RESTARTS; i++) {
      // The last restart is the server the load runs against (and the one profiled with --cpu-prof).
      const last = i === RESTARTS - 1;
      if (last && args.cpuProfDir) mkdirSync(args.cpuProfDir, { recursive: true });
      const nodeFlags = last && args.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', args.cpuProfDir] : [];
      server = await startServer({ ...serverOpts, nodeFlags });
      restarts.push({ readyMs: round2(server.readyMs), loggedStartupMs: server.loggedStartupMs });
      if (!last) await server.stop();
    }
    const pid = server.pid;
    const restartMedianMs = round2(median(restarts.map((r) => r.readyMs)));
    result.coldStart = { firstStart, restarts, restartMedianMs };
    log(`ready: first start ${firstStart.readyMs} ms, restart median ${restartMedianMs} ms (server pid ${pid})`);

    await new Promise((r) => setTimeout(r, Math.max(0, IDLE_WAIT_MS - (performance.now() - server!.readyAt))));
    const rssIdle = rssMb(pid);
    const cpu: Record<string, number> = {};
    const storePid = datastore.pid;
    const clientCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
    // CPU seconds of the server, the datastore and this process, and the monotonic clock (µs) that V8
    // stamps CPU profile samples with (so a --cpu-prof profile can be cut into phases). The datastore
    // and the client are counted too: on two cores the three share, a create's whole cost is what
    // bounds the rate, not the server's alone.
    const snapshot = () => ({
      server: cpuSeconds(pid),
      store: storePid ? treeCpuSeconds(storePid) : 0,
      client: clientCpu(),
      clock: Number(process.hrtime.bigint() / 1000n),
    });
    const startOfLoad = snapshot();
    let mark = startOfLoad;
    const phaseClock: Record<string, [number, number]> = {};
    const otherCpu: Record<string, { datastore?: number; client: number }> = {};
    const phaseCpu = (name: string) => {
      const now = snapshot();
      cpu[name] = round2(now.server - mark.server);
      otherCpu[name] = { ...(storePid ? { datastore: round2(now.store - mark.store) } : {}), client: round2(now.client - mark.client) };
      phaseClock[name] = [mark.clock, now.clock];
      mark = now;
    };
    cpu.startAndIdle = round2(startOfLoad.server);
    log(`idle RSS ${rssIdle} MB, 5 s after ready`);

    client = new ApiClient(readKubeconfig(kubeconfig), { maxSockets: 64 });
    await createNamespace(client, NAMESPACE);
    const names: string[] = [];
    mark = snapshot();

    log(`create ${N} ConfigMaps at concurrency 1`);
    const createC1 = await createConfigMaps(client, { namespace: NAMESPACE, prefix: 'c1', count: N, concurrency: 1, payloadBytes: PAYLOAD_BYTES, names });
    phaseCpu('createC1');
    log(`  ${createC1.reqPerSec} req/s, p50 ${createC1.p50Ms} ms, p99 ${createC1.p99Ms} ms`);

    log(`LIST all ${N} x${LIST_RUNS}, then paged (limit=${PAGE_LIMIT}) x${PAGED_RUNS}`);
    const list5k = await listAll(client, { namespace: NAMESPACE, runs: LIST_RUNS, expected: N });
    const paged5k = await listPaged(client, { namespace: NAMESPACE, runs: PAGED_RUNS, limit: PAGE_LIMIT, expected: N });
    phaseCpu('list5k');
    log(`  p50 ${list5k.p50Ms} ms, p99 ${list5k.p99Ms} ms, ${list5k.bytes} bytes; paged full ${paged5k.fullP50Ms} ms`);

    log(`create ${N} ConfigMaps at concurrency ${CONCURRENCY}`);
    const createC32 = await createConfigMaps(client, { namespace: NAMESPACE, prefix: `c${CONCURRENCY}`, count: N, concurrency: CONCURRENCY, payloadBytes: PAYLOAD_BYTES, names });
    phaseCpu('createC32');
    log(`  ${createC32.reqPerSec} req/s, p50 ${createC32.p50Ms} ms, p99 ${createC32.p99Ms} ms`);

    log(`LIST all ${2 * N} x${LIST_RUNS}, then paged x${PAGED_RUNS}`);
    const list10k = await listAll(client, { namespace: NAMESPACE, runs: LIST_RUNS, expected: 2 * N });
    const paged10k = await listPaged(client, { namespace: NAMESPACE, runs: PAGED_RUNS, limit: PAGE_LIMIT, expected: 2 * N });
    phaseCpu('list10k');
    log(`  p50 ${list10k.p50Ms} ms, p99 ${list10k.p99Ms} ms, ${list10k.bytes} bytes; paged full ${paged10k.fullP50Ms} ms`);

    log(`watch: ${WATCHERS} watchers, ${UPDATES} serial updates`);
    const watch = await watchFanOut(client, { namespace: NAMESPACE, watchers: WATCHERS, updates: UPDATES, payloadBytes: PAYLOAD_BYTES });
    phaseCpu('watch');
    log(`  lag p50 ${watch.lagP50Ms} ms, p99 ${watch.lagP99Ms} ms, lost ${watch.lost}`);

    log(`${GETS} serial GETs`);
    const get = await getSingles(client, { namespace: NAMESPACE, names, count: GETS });
    phaseCpu('get');
    log(`  p50 ${get.p50Ms} ms, p99 ${get.p99Ms} ms`);

    // The first phase meets a server just started, whose JavaScript is not compiled yet (V8 optimizes
    // what runs hot, over the first few thousand requests); a server that has been up a while answers
    // as this phase finds it.
    log(`create ${WARM_CREATES} more ConfigMaps at concurrency 1, the server warm`);
    const createC1Warm = await createConfigMaps(client, { namespace: NAMESPACE, prefix: 'w1', count: WARM_CREATES, concurrency: 1, payloadBytes: PAYLOAD_BYTES, names: [] });
    phaseCpu('createC1Warm');
    log(`  ${createC1Warm.reqPerSec} req/s, p50 ${createC1Warm.p50Ms} ms, p99 ${createC1Warm.p99Ms} ms`);

    const rssAfterLoad = rssMb(pid);
    cpu.load = round2(cpuSeconds(pid) - startOfLoad.server);
    if (storePid) result.datastoreCpuLoadS = round2(treeCpuSeconds(storePid) - startOfLoad.store);
    if (storePid) result.datastoreRssAfterLoadMb = rssMb(storePid);
    Object.assign(result, { createC1, createC32, list5k, paged5k, list10k, paged10k, watch, get, createC1Warm });

    if (args.apibench) {
      log(`apibench (${apibenchPath}) against the same server`);
      result.apibench = await runApibench(kubeconfig);
      phaseCpu('apibench');
    }
    const rssEnd = rssMb(pid);
    cpu.total = round2(cpuSeconds(pid));
    result.memory = { rssIdleMb: rssIdle, rssAfterLoadMb: rssAfterLoad, ...(args.apibench ? { rssAfterApibenchMb: rssEnd } : {}) };
    result.serverCpuS = cpu;
    result.otherCpuS = otherCpu;
    if (args.cpuProfDir) result.phaseClockUs = phaseClock;

    client.close();
    client = undefined;
    await server.stop();
    server = undefined;
    await datastore.stop();
    datastore = undefined;
    if (args.cpuProfDir) log(`server CPU profile written to ${args.cpuProfDir}`);

    log('raw SQLite again (1.5 s)');
    const rawAfter = await measureRawSqlite(dir, { durationMs: 1500, valueBytes: PAYLOAD_BYTES });
    const raw = { txPerSec: Math.round((rawBefore.txPerSec + rawAfter.txPerSec) / 2) };
    result.rawSqlite = { txPerSec: raw.txPerSec, before: rawBefore, after: rawAfter, createC32PerRawTx: round2(createC32.reqPerSec / raw.txPerSec) };

    const u = process.cpuUsage();
    result.clientCpuS = round2((u.user + u.system) / 1e6);

    // Nodes and scheduling, on servers of their own; the in-process scheduler first, while this process
    // holds nothing else.
    let scheduler: SchedulerBenchResult | undefined;
    let nodes: NodesBenchResult | undefined;
    if (args.nodes) {
      log('scheduler in process: 100 nodes, 3,000 pods');
      scheduler = await benchScheduler({ nodes: 100, pods: 3000 });
      log(`  ${scheduler.podsPerSecond} pods/s`);
      log('nodes: agents joining, then 100 simulated nodes and 30 Deployments x 100 replicas (bench/nodes.ts)');
      nodes = await benchNodes({ log: (msg) => log(`nodes: ${msg}`) });
      result.schedulerInProcess = scheduler;
      result.nodes = nodes;
    }
    let realPods: RealPodsBenchResult | { skipped: string } | undefined;
    if (args.pods) {
      log('real pods: one node on containerd, against the same steps straight over CRI (bench/real-pods.ts)');
      realPods = await benchRealPods({ log: (msg) => log(msg) });
      result.realPods = realPods;
    }
    result.loadavgEnd = loadavg().map(round2);
    result.elapsedS = round2((performance.now() - T0) / 1000);
    result.finished = new Date().toISOString();

    const rows: Row[] = [
      { figure: 'start -> /readyz, first (new certs)', value: ms(firstStart.readyMs), target: verdict('< 1 s', firstStart.readyMs < 1000), upstream: '3.6 s' },
      { figure: `start -> /readyz, restart (median of ${RESTARTS})`, value: ms(restartMedianMs), target: verdict('< 1 s', restartMedianMs < 1000), upstream: '3.6 s' },
      { figure: 'RSS idle (5 s after ready)', value: mb(rssIdle), target: verdict('< 80 MB', rssIdle < 80), upstream: '316 + 45 + 85 MB (30 s)' },
      { figure: 'RSS after load', value: mb(rssAfterLoad), upstream: '~520 + ~118 MB' },
      { figure: 'create c=1 req/s', value: `${createC1.reqPerSec}`, upstream: '662' },
      { figure: 'create c=1 p50 / p99', value: `${ms(createC1.p50Ms)} / ${ms(createC1.p99Ms)}`, upstream: '1.3 / 4.3 ms' },
      { figure: `create c=1 req/s, server warm (${WARM_CREATES} last)`, value: `${createC1Warm.reqPerSec} (p50 ${ms(createC1Warm.p50Ms)})` },
      { figure: `create c=${CONCURRENCY} req/s`, value: `${createC32.reqPerSec}`, upstream: '2,202' },
      { figure: `create c=${CONCURRENCY} p50 / p99`, value: `${ms(createC32.p50Ms)} / ${ms(createC32.p99Ms)}`, target: verdict('p99 < 20 ms', createC32.p99Ms < 20), upstream: '13 / 43 ms' },
      { figure: `LIST ${N} p50 / p99 (${(list5k.bytes / 1048576).toFixed(1)} MiB)`, value: `${ms(list5k.p50Ms)} / ${ms(list5k.p99Ms)}`, target: verdict('p99 < 300 ms', list5k.p99Ms < 300), upstream: '—' },
      { figure: `LIST ${2 * N} p50 / p99 (${(list10k.bytes / 1048576).toFixed(1)} MiB)`, value: `${ms(list10k.p50Ms)} / ${ms(list10k.p99Ms)}`, upstream: '165 / 327 ms (14 MiB)' },
      { figure: `LIST limit=${PAGE_LIMIT}, all ${N} (per page p50)`, value: `${ms(paged5k.fullP50Ms)} (${ms(paged5k.pageP50Ms)})`, upstream: '—' },
      { figure: `LIST limit=${PAGE_LIMIT}, all ${2 * N} (per page p50)`, value: `${ms(paged10k.fullP50Ms)} (${ms(paged10k.pageP50Ms)})`, upstream: '289 ms (9.3 ms)' },
      { figure: `watch lag p50 / p99 (${WATCHERS}x${UPDATES})`, value: `${ms(watch.lagP50Ms)} / ${ms(watch.lagP99Ms)}`, upstream: '0.7 / 4.1 ms' },
      { figure: 'watch events lost', value: `${watch.lost} of ${watch.expectedEvents}`, target: verdict('0', watch.lost === 0 && watch.duplicates === 0), upstream: '0' },
      { figure: 'GET one object p50 / p99', value: `${ms(get.p50Ms)} / ${ms(get.p99Ms)} (${get.reqPerSec} req/s)`, upstream: '0.68 / 2.2 ms (1,314/s)' },
      { figure: 'raw SQLite fsync-ed tx/s (same disk)', value: `${raw.txPerSec} (${rawBefore.txPerSec} before, ${rawAfter.txPerSec} after)`, upstream: '(fsync ~0.25 ms)' },
      { figure: `creates/s c=${CONCURRENCY} / raw tx/s`, value: `${(createC32.reqPerSec / raw.txPerSec).toFixed(2)}` },
      { figure: 'server CPU during load / whole run', value: `${cpu.load} s / ${cpu.total} s` },
      { figure: `CPU per create c=${CONCURRENCY}: server / datastore / bench client`, value: perCreateCpu(cpu.createC32, otherCpu.createC32, N) },
    ];
    if (result.datastoreCpuLoadS !== undefined) rows.push({ figure: 'datastore CPU during load / its RSS after', value: `${String(result.datastoreCpuLoadS)} s / ${mb(result.datastoreRssAfterLoadMb as number)}` });
    const la = (result.loadavgStart as number[]).join(' ');
    process.stdout.write(
      `\nk3ts bench${datastoreKind === 'sqlite' ? '' : ` on ${(result.datastore as { label: string }).label}`} — ${N}+${N} ConfigMaps of ~1 KB, commit ${String(result.commit)}${result.srcDirty ? ' + uncommitted src/' : ''}, node ${process.version}, ${cpus().length} CPUs, load average at start ${la}, end ${(result.loadavgEnd as number[]).join(' ')}\n` +
        `${renderTable(rows)}\n`,
    );
    if (nodes) {
      process.stdout.write(
        `\nnodes and scheduling — ${nodes.params.nodes} simulated nodes, ${nodes.params.deployments}x${nodes.params.replicas} pods, load average ${nodes.loadavg.start.join(' ')} at start, ${nodes.loadavg.pods.join(' ')} at the Deployments\n` +
          `${renderTable(nodeRows(nodes, scheduler))}\n`,
      );
    }
    if (realPods) process.stdout.write(`\nreal pods on containerd\n${renderTable(realPodRows(realPods))}\n`);
    if (args.network) {
      // Each in a process of its own: they build network namespaces and need the CPU to themselves.
      for (const [title, script, extra] of [
        ['service proxy: rule sync and NodePort throughput', 'proxy-sync.js', []],
        ['pod to pod: across nodes over VXLAN vs on one node', 'overlay-latency.js', []],
        ['cluster DNS: queries/s on one core', 'dns-queries.js', ['5']],
      ] as const) {
        log(title);
        const out = execFileSync(process.execPath, [fileURLToPath(new URL(`./${script}`, import.meta.url)), ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
        process.stdout.write(`\n${title}\n${out.trimEnd()}\n`);
      }
    }
    if (result.apibench) {
      process.stdout.write('apibench: its JSON is under "apibench" in the line below\n');
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    if (server) process.stderr.write(`server stderr (tail):\n${server.stderrTail()}\n`);
    throw err;
  } finally {
    await stopAll();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

/** Milliseconds of CPU per create in one phase, for each process that spent it. */
function perCreateCpu(serverS: number | undefined, other: { datastore?: number; client: number } | undefined, count: number): string {
  const per = (s: number | undefined) => (s === undefined ? '—' : ((s * 1000) / count).toFixed(2));
  return `${per(serverS)} / ${per(other?.datastore)} / ${per(other?.client)} ms`;
}
