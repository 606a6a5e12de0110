// `k3ts up` / `k3ts down`: a local multi-node cluster in one command, and gone in another.
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, currentEnvironment, defaultDataDir } from '../agent/environment.js';
import { resolveRuntime, type RuntimeKind } from '../agent/config.js';
import { down, up, UpError } from '../local-cluster/up.js';
import { tryParseCidr } from '../network/ipv4.js';
import { fail } from './fail.js';
import { DEFAULT_MONITORING_PORT } from '../local-cluster/monitoring.js';

const defaultUpDir = () => join(defaultDataDir(currentEnvironment()), 'up');
const entry = fileURLToPath(new URL('./main.js', import.meta.url));

function whole(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`${flag}: "${v}" is not a whole number`);
  return n;
}

export function upCommand(): Command {
  return new Command('up')
    .description('Start a local cluster: a server and N agents as separate processes (each in a network namespace of its own when running real containers, else on loopback), then wait until every node is Ready')
    .option('--agents <n>', 'how many agents besides the server (default: 2)', '2')
    .option('-d, --data-dir <dir>', `where the cluster keeps everything (default: ${defaultUpDir()})`)
    .option('--port <port>', 'HTTPS port of the API server on 127.0.0.1 (default: 6443)', '6443')
    .option('--node-cidr <cidr>', 'the /24 the nodes\' own addresses come from, with real containers (default: the first 10.45.N.0/24 no route on this machine uses)')
    .option('--private-registry <file>', 'registries.yaml (K3s format: mirrors, endpoints, auth) for every node')
    .option('--runtime <name>', 'containerd (real containers; the default when running as root with containerd installed) or sim (simulated containers)')
    .option('--monitoring', 'also run Prometheus (Debian\'s prometheus package) scraping the API server and every node')
    .option('--monitoring-port <port>', 'port of Prometheus on 127.0.0.1, with --monitoring (default: 9090)')
    .argument('[server-flags...]', 'after --: extra flags for the server, e.g. -- --default-unreachable-toleration-seconds 30')
    .action(async (serverArgs: string[], flags: { agents: string; dataDir?: string; port: string; runtime?: string; nodeCidr?: string; privateRegistry?: string; monitoring?: boolean; monitoringPort?: string }) => {
      const dataDir = resolve(flags.dataDir ?? defaultUpDir());
      const port = whole('--port', flags.port);
      if (port < 1 || port > 65535) fail(`--port: "${flags.port}" is not a port number (1-65535)`);
      if (flags.monitoringPort !== undefined && !flags.monitoring) fail('--monitoring-port: only used with --monitoring; add --monitoring');
      const monitoringPort = whole('--monitoring-port', flags.monitoringPort ?? String(DEFAULT_MONITORING_PORT));
      if (monitoringPort < 1 || monitoringPort > 65535) fail(`--monitoring-port: "${flags.monitoringPort}" is not a port number (1-65535)`);
      const runtime = chooseRuntime(flags.runtime);
      try {
        // Real containers need root already, and with them every node gets its own network (namespaces).
        const isolateNodes = runtime === 'containerd';
        const nodeCidr = flags.nodeCidr === undefined ? undefined : checkNodeCidr(flags.nodeCidr, isolateNodes);
        if (flags.privateRegistry && !existsSync(flags.privateRegistry)) fail(`--private-registry: ${flags.privateRegistry} does not exist`);
        const result = await up({ dataDir, agents: whole('--agents', flags.agents), port, entry, serverArgs, runtime, isolateNodes, nodeCidr, privateRegistry: flags.privateRegistry, ...(flags.monitoring ? { monitoring: { port: monitoringPort } } : {}), progress: (line) => process.stdout.write(`${line}\n`) });
        const k3ts = selfCommand();
        const downCmd = `${k3ts} down${flags.dataDir ? ` --data-dir ${dataDir}` : ''}`;
        const nodeIps = result.nodes.map((n) => n.ip);
        process.stdout.write(
          [
            '',
            `k3ts is up: ${result.nodes.length} node(s) Ready: ${result.nodes.map((n) => `${n.name} (${n.ip})`).join(', ')}`,
            `kubeconfig: ${result.kubeconfig}   logs: ${join(dataDir, 'logs')}`,
            ...(result.monitoring ? [`Prometheus: ${result.monitoring.url}   config: ${result.monitoring.config}   data: ${result.monitoring.storage}`] : []),
            '',
            'Next steps:',
            `  export KUBECONFIG=${result.kubeconfig}`,
            '  kubectl get nodes -o wide',
            ...(runtime === 'containerd'
              ? [
                  '  node examples/seed002-app/build.mjs --out /tmp/seed002 --tar /tmp/seed002.tar   # seed 002\'s app, built offline',
                  `  ${k3ts} image import /tmp/seed002.tar --data-dir ${dataDir}   # into every node`,
                ]
              : []),
            '  kubectl apply -f examples/seed002-test.yaml',
            '  kubectl get pods -o wide',
            ...(result.network ? [`  for i in 1 2 3 4; do curl -s http://${nodeIps[1] ?? nodeIps[0]}:30080; done   # NodePort 30080 on any node: ${nodeIps.join(', ')}`] : []),
            `  ${downCmd}          # stops everything and removes ${dataDir}`,
            '',
          ].join('\n'),
        );
      } catch (err) {
        if (err instanceof UpError) fail(err.message);
        fail(`up failed: ${(err as Error)?.message ?? String(err)}`);
      }
    });
}

/** What the user asked for; else real containers when this machine can run them, and otherwise
 *  simulated ones, saying why, so nobody mistakes them for real. */
function chooseRuntime(requested: string | undefined): RuntimeKind {
  try {
    return resolveRuntime({ runtime: requested }, currentEnvironment()).runtime;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (requested) fail(err.message);
    process.stdout.write(`running simulated containers (--runtime sim): ${err.message.replace(/, or pass --runtime sim.*$/, '')}\n`);
    return 'sim';
  }
}

export function downCommand(): Command {
  return new Command('down')
    .description('Stop the cluster that `k3ts up` started and remove its data dir')
    .option('-d, --data-dir <dir>', `the data dir given to k3ts up (default: ${defaultUpDir()})`)
    .action(async (flags: { dataDir?: string }) => {
      const dataDir = resolve(flags.dataDir ?? defaultUpDir());
      try {
        const result = await down(dataDir);
        if (!result.removed) process.stdout.write(`no cluster started by "k3ts up" in ${dataDir}; nothing to do\n`);
        else process.stdout.write(`stopped ${result.stopped.length ? result.stopped.join(', ') : 'nothing (already stopped)'}; removed ${dataDir}\n`);
      } catch (err) {
        if (err instanceof UpError) fail(err.message);
        fail(`down failed: ${(err as Error)?.message ?? String(err)}`);
      }
    });
}

/** How to run k3ts again as the user can type it: `k3ts` when that is this one on PATH, else the
 *  path of bin/k3ts from here. */
function selfCommand(): string {
  const bin = resolve(fileURLToPath(new URL('../../../bin/k3ts', import.meta.url)));
  const onPath = spawnSync('sh', ['-c', 'command -v k3ts'], { encoding: 'utf8' }).stdout.trim();
  try {
    if (onPath && realpathSync(onPath) === realpathSync(bin)) return 'k3ts';
  } catch {
    // a k3ts on PATH that cannot be resolved is not this one
  }
  const rel = relative(process.cwd(), bin);
  return isAbsolute(rel) || rel.startsWith('..') ? bin : `./${rel}`;
}

function checkNodeCidr(value: string, isolated: boolean): string {
  if (!isolated) fail('--node-cidr: only nodes with real containers get addresses of their own; with --runtime sim they share loopback');
  const r = tryParseCidr(value);
  if (!r || r.bits !== 24) fail(`--node-cidr: "${value}" is not an IPv4 /24 (e.g. 10.45.0.0/24)`);
  return r.text;
}
