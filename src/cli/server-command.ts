// `k3ts server`: flags (named as in K3s, each with its environment variable), then run until a
// signal arrives.
import { Command, Option } from 'commander';
import { ConfigError, resolveServerConfig, type ServerFlags } from '../server/config.js';
import { createLogger } from '../server/log.js';
import { redactEndpoint } from '../storage/open.js';
import { fail } from './fail.js';
import { closeOnSignal } from './until-signal.js';
import { nodeFlags } from './node-flags.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function serverCommand(): Command {
  // Defaults and environment variables are resolved in one place, server/config.ts; here they are
  // only named for --help.
  const cmd = new Command('server')
    .description('Run the control plane: API server on an embedded SQLite datastore (kubectl works unchanged)')
    .option('-d, --data-dir <dir>', 'folder for state, certificates and the database (default: /var/lib/k3ts as root, else ~/.k3ts; env K3TS_DATA_DIR)')
    .option('--https-listen-port <port>', 'HTTPS port of the API server (default: 6443)')
    .option('--bind-address <ip>', 'address the API server listens on (default: 0.0.0.0)')
    .option('--advertise-address <ip>', 'address agents and the kubernetes Service use to reach this server (default: node IP, else bind address, else the first host address)')
    .option('-o, --write-kubeconfig <path>', 'where to write the admin kubeconfig (default: /etc/k3ts/k3ts.yaml as root, else ~/.kube/k3ts.yaml; env K3TS_KUBECONFIG_OUTPUT)')
    .option('--write-kubeconfig-mode <mode>', 'file mode of the kubeconfig, e.g. 644 (default: 0600; env K3TS_KUBECONFIG_MODE)')
    .option('--tls-san <name>', 'extra host name or IP for the serving certificate (repeatable)', collect)
    .option('-t, --token <token>', 'shared secret for joining nodes, also accepted as an admin bearer token (default: generated, see <data-dir>/server/token; env K3TS_TOKEN)')
    .option('--token-auth-file <file>', 'static bearer tokens, CSV lines: token,user,uid,"group1,group2"')
    .option('--disable-agent', 'run the control plane only, without a node on this machine')
    .option('--datastore-endpoint <url>', 'datastore: sqlite://<path> (default: embedded SQLite in the data dir), or etcd as https://host:2379[,https://host2:2379] (env K3TS_DATASTORE_ENDPOINT)')
    .option('--datastore-cafile <file>', 'CA that signed the datastore\'s TLS certificate (env K3TS_DATASTORE_CAFILE)')
    .option('--datastore-certfile <file>', 'client certificate for the datastore (env K3TS_DATASTORE_CERTFILE)')
    .option('--datastore-keyfile <file>', 'its key (env K3TS_DATASTORE_KEYFILE)')
    .option('--service-cidr <cidr>', 'IPv4 range for Service cluster IPs (default: 10.43.0.0/16)')
    .option('--cluster-cidr <cidr>', 'IPv4 range for pod IPs (default: 10.42.0.0/16)')
    .option('--service-node-port-range <range>', 'port range for NodePort Services (default: 30000-32767)')
    .option('--node-monitor-grace-period <duration>', 'a node silent this long is marked NotReady/Unknown and tainted unreachable (default: 40s)')
    .option('--horizontal-pod-autoscaler-sync-period <duration>', 'how often each HorizontalPodAutoscaler is measured and its target scaled (default: 15s)')
    .option('--horizontal-pod-autoscaler-downscale-stabilization <duration>', 'scale down only to the highest recommendation of this window (default: 5m0s)')
    .option('--default-not-ready-toleration-seconds <n>', 'how long pods stay on a NotReady node before eviction (default: 300)')
    .option('--default-unreachable-toleration-seconds <n>', 'how long pods stay on an unreachable node before eviction (default: 300)')
    .option('--request-timeout <duration>', 'a request must have sent its headers and body within this; watches and logs then stream on (default: 60s)')
    .option('--leader-elect-lease-duration <duration>', 'servers sharing a datastore: how long others wait after the controllers\' leader stops renewing (default: 15s)')
    .option('--leader-elect-renew-deadline <duration>', 'the leader stops its controllers when it could not renew for this long (default: 10s)')
    .option('--leader-elect-retry-period <duration>', 'how often leases are renewed or tried (default: 2s)')
    .option('--audit-log-path <file>', 'write audit events (audit.k8s.io/v1 Event, JSON lines) to this file, or - for standard output; needs --audit-policy-file')
    .option('--audit-policy-file <file>', 'audit policy (audit.k8s.io/v1 Policy, YAML or JSON): which requests are recorded at which level')
    .option('--audit-log-maxage <days>', 'remove rotated audit logs older than this many days (default: 0, keep)')
    .option('--audit-log-maxbackup <n>', 'keep at most this many rotated audit logs (default: 0, keep all)')
    .option('--audit-log-maxsize <MB>', 'rotate the audit log when it reaches this size (default: 100)')
    .option('--secrets-encryption', 'encrypt Secrets at rest with the keys in <data-dir>/server/cred/encryption-config.json (made on first start; env K3TS_SECRETS_ENCRYPTION=true)')
    .option('--secrets-encryption-provider <provider>', 'the key a new encryption config is made with: aescbc or secretbox (default: aescbc; env K3TS_SECRETS_ENCRYPTION_PROVIDER)')
    .option('--disable <component>', 'do not run a packaged component: local-storage (the local-path provisioner and its StorageClass); repeatable', collect);
  return nodeFlags(cmd)
    .addOption(new Option('--log-format <format>', 'text or json (default: text)').choices(['text', 'json']))
    .option('--debug', 'also log normal events a client caused, such as requests it aborted (env K3TS_DEBUG=true)')
    .action(async (flags: ServerFlags) => {
      hidePasswordsFromPs();
      let config;
      try {
        config = resolveServerConfig(flags);
      } catch (err) {
        if (err instanceof ConfigError) fail(err.message);
        throw err;
      }
      const log = createLogger(config.logFormat, undefined, { debug: config.debug });
      let server;
      try {
        // Loaded here, not at the top: `k3ts agent` and the other commands need none of the server.
        const { runServer } = await import('../server/server.js');
        server = await runServer(config, log);
      } catch (err) {
        fail(explainStartFailure(err, config.port));
      }
      closeOnSignal(() => server.close(), log);
    });
}

function explainStartFailure(err: unknown, port: number): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') return `port ${port} is already in use: stop the other process or pass --https-listen-port`;
  if (e?.code === 'EACCES') return `no permission for ${e.message}: run as root or choose another --data-dir / port`;
  return `server failed to start: ${e?.message ?? String(err)}`;
}

/** A datastore URL's password would show in `ps` for as long as the server runs: the process title
 *  is rewritten with it masked (K3TS_DATASTORE_ENDPOINT keeps it out of the arguments entirely). */
function hidePasswordsFromPs(): void {
  const args = process.argv.slice(1);
  const masked = args.map((a) => (a.includes('://') ? a.replace(/^(--datastore-endpoint=)?(.*)$/, (_m, flag: string | undefined, url: string) => `${flag ?? ''}${redactEndpoint(url)}`) : a));
  if (masked.some((a, i) => a !== args[i])) process.title = [process.argv0, ...masked].join(' ');
}
