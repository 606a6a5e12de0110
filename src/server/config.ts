// Turns flags and environment into one frozen server configuration. Pure, so every default and
// every refusal is testable without starting anything.
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { isIP } from 'node:net';
import { checkEndpoint } from '../storage/open.js';
import { parseCidr } from '../network/ipv4.js';
import { parseDuration } from '../join/bootstrap-tokens.js';
import { resolveNodeSettings, type NodeSettings } from '../agent/config.js';
import { KEY_PROVIDERS, type KeyProvider } from './encryption-config.js';
import { ConfigError, currentEnvironment, defaultDataDir, type Environment } from '../agent/environment.js';
import { isPodNetworkInterface } from '../pki/sans.js';
import { resolveAuditSettings, type AuditSettings } from './audit-config.js';

export { ConfigError, currentEnvironment, defaultDataDir, type Environment };
import { parseDisable } from './disable.js';

export interface ServerFlags {
  dataDir?: string;
  httpsListenPort?: string | number;
  bindAddress?: string;
  advertiseAddress?: string;
  writeKubeconfig?: string;
  writeKubeconfigMode?: string;
  tlsSan?: string[];
  token?: string;
  tokenAuthFile?: string;
  nodeIp?: string;
  disableAgent?: boolean;
  datastoreEndpoint?: string;
  datastoreCafile?: string;
  datastoreCertfile?: string;
  datastoreKeyfile?: string;
  serviceCidr?: string;
  clusterCidr?: string;
  serviceNodePortRange?: string;
  nodeMonitorGracePeriod?: string;
  horizontalPodAutoscalerSyncPeriod?: string;
  horizontalPodAutoscalerDownscaleStabilization?: string;
  defaultNotReadyTolerationSeconds?: string;
  defaultUnreachableTolerationSeconds?: string;
  nodeName?: string;
  withNodeId?: boolean;
  nodeLabel?: string[];
  nodeTaint?: string[];
  runtime?: string;
  containerRuntimeEndpoint?: string;
  privateRegistry?: string;
  logFormat?: string;
  debug?: boolean;
  requestTimeout?: string;
  leaderElectLeaseDuration?: string;
  leaderElectRenewDeadline?: string;
  leaderElectRetryPeriod?: string;
  auditLogPath?: string;
  auditPolicyFile?: string;
  auditLogMaxage?: string;
  auditLogMaxbackup?: string;
  auditLogMaxsize?: string;
  secretsEncryption?: boolean;
  secretsEncryptionProvider?: string;
  /** Packaged components left out (`--disable local-storage`). */
  disable?: string[];
}

export interface ServerConfig {
  dataDir: string;
  port: number;
  bindAddress: string;
  /** The address other nodes and the `kubernetes` Endpoints use to reach this server. */
  advertiseAddress: string;
  kubeconfigPath: string;
  kubeconfigMode?: string;
  tlsSans: string[];
  token?: string;
  tokenAuthFile?: string;
  nodeIp?: string;
  disableAgent: boolean;
  datastoreEndpoint: string;
  /** Client TLS files for a networked datastore; the files are read when it is opened. */
  datastoreTls: { caFile?: string; certFile?: string; keyFile?: string };
  serviceCidr: string;
  clusterCidr: string;
  nodePortRange: { min: number; max: number };
  nodeMonitorGracePeriodMs: number;
  hpaSyncPeriodMs: number;
  hpaDownscaleStabilizationMs: number;
  notReadyTolerationSeconds: number;
  unreachableTolerationSeconds: number;
  /** The server's own node (unless disableAgent). */
  node: NodeSettings;
  logFormat: 'text' | 'json';
  debug: boolean;
  /** A request's headers and body must arrive within this (watches and logs then stream on). */
  requestTimeoutMs: number;
  /** Leader election of controllers and scheduler when servers share a datastore (upstream's defaults 15s/10s/2s). */
  leaderElection: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** The audit log, when both a path and a policy are given (kube-apiserver's flags). */
  audit?: AuditSettings;
  /** Secrets encrypted at rest with the keys in <data-dir>/server/cred/encryption-config.json. */
  secretsEncryption: boolean;
  /** The kind of key a new encryption config (or a rotation) is made with. */
  secretsEncryptionProvider: KeyProvider;
  /** Packaged components left out, e.g. 'local-storage'. */
  disable: string[];
}


function parseSeconds(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${flag}: "${v}" is not a whole number of seconds`);
  return n;
}

function parseDurationFlag(flag: string, v: string | undefined, fallbackMs: number): number {
  if (v === undefined || v === '') return fallbackMs;
  try {
    const ms = parseDuration(v);
    if (ms < 1000) throw new Error('must be at least 1s');
    return ms;
  } catch (err) {
    throw new ConfigError(`${flag}: ${(err as Error).message}`);
  }
}

/** As upstream requires: the lease outlives the renew deadline, which outlives a retry. */
function leaderElectionTimes(flags: ServerFlags): ServerConfig['leaderElection'] {
  const leaseDurationMs = parseDurationFlag('--leader-elect-lease-duration', flags.leaderElectLeaseDuration, 15_000);
  const renewDeadlineMs = parseDurationFlag('--leader-elect-renew-deadline', flags.leaderElectRenewDeadline, 10_000);
  const retryPeriodMs = parseDurationFlag('--leader-elect-retry-period', flags.leaderElectRetryPeriod, 2_000);
  if (!(leaseDurationMs > renewDeadlineMs)) throw new ConfigError('--leader-elect-lease-duration must be longer than --leader-elect-renew-deadline');
  if (!(renewDeadlineMs > retryPeriodMs)) throw new ConfigError('--leader-elect-renew-deadline must be longer than --leader-elect-retry-period');
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

export function defaultKubeconfigPath(e: Environment): string {
  return e.uid === 0 ? '/etc/k3ts/k3ts.yaml' : join(e.home, '.kube', 'k3ts.yaml');
}

function parsePort(v: string | number | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--https-listen-port: "${v}" is not a port number (0-65535)`);
  return n;
}

function parseRange(v: string | undefined): { min: number; max: number } {
  const text = v ?? '30000-32767';
  const m = /^(\d+)-(\d+)$/.exec(text);
  const min = m ? Number(m[1]) : NaN;
  const max = m ? Number(m[2]) : NaN;
  if (!m || min < 1 || max > 65535 || min > max) throw new ConfigError(`--service-node-port-range: "${text}" is not a range like 30000-32767`);
  return { min, max };
}

/** The first non-internal IPv4 address of this machine, if any. */
export function firstHostAddress(): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (isPodNetworkInterface(name)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export function resolveServerConfig(flags: ServerFlags, e: Environment = currentEnvironment()): Readonly<ServerConfig> {
  const bindAddress = flags.bindAddress || '0.0.0.0';
  if (!isIP(bindAddress)) throw new ConfigError(`--bind-address: "${bindAddress}" is not an IP address`);
  const nodeIp = flags.nodeIp || e.env.K3TS_NODE_IP || undefined;
  if (nodeIp && !isIP(nodeIp)) throw new ConfigError(`--node-ip: "${nodeIp}" is not an IP address`);
  const unspecified = bindAddress === '0.0.0.0' || bindAddress === '::';
  const advertiseAddress = flags.advertiseAddress || nodeIp || (unspecified ? firstHostAddress() ?? '127.0.0.1' : bindAddress);
  if (!isIP(advertiseAddress)) throw new ConfigError(`--advertise-address: "${advertiseAddress}" is not an IP address`);
  const mode = flags.writeKubeconfigMode || e.env.K3TS_KUBECONFIG_MODE;
  if (mode !== undefined && !/^0?[0-7]{3}$/.test(mode)) throw new ConfigError(`--write-kubeconfig-mode: "${mode}" is not an octal file mode like 0600 or 644`);
  const dataDir = resolve(flags.dataDir || e.env.K3TS_DATA_DIR || defaultDataDir(e));
  const datastoreEndpoint = flags.datastoreEndpoint || e.env.K3TS_DATASTORE_ENDPOINT || `sqlite://${join(dataDir, 'server', 'db', 'state.db')}`;
  try {
    checkEndpoint(datastoreEndpoint);
  } catch (err) {
    throw new ConfigError(`--datastore-endpoint: ${(err as Error).message}`);
  }
  for (const [flag, value] of [['--service-cidr', flags.serviceCidr], ['--cluster-cidr', flags.clusterCidr]] as const) {
    if (!value) continue;
    try {
      const { bits } = parseCidr(value);
      if (bits < 8 || bits > 30) throw new Error(`${value} has a /${bits} prefix; use one from /8 to /30`);
    } catch (err) {
      throw new ConfigError(`${flag}: ${(err as Error).message}`);
    }
  }
  const tlsSans = (flags.tlsSan ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return Object.freeze({
    dataDir,
    port: parsePort(flags.httpsListenPort, 6443),
    bindAddress,
    advertiseAddress,
    kubeconfigPath: resolve(flags.writeKubeconfig || e.env.K3TS_KUBECONFIG_OUTPUT || defaultKubeconfigPath(e)),
    kubeconfigMode: mode,
    tlsSans: [...new Set([...tlsSans, ...(nodeIp ? [nodeIp] : []), ...(unspecified ? [] : [bindAddress]), advertiseAddress])],
    token: flags.token || e.env.K3TS_TOKEN || undefined,
    tokenAuthFile: flags.tokenAuthFile || undefined,
    nodeIp,
    disableAgent: !!flags.disableAgent,
    datastoreEndpoint,
    datastoreTls: {
      ...optionalPath('caFile', flags.datastoreCafile || e.env.K3TS_DATASTORE_CAFILE),
      ...optionalPath('certFile', flags.datastoreCertfile || e.env.K3TS_DATASTORE_CERTFILE),
      ...optionalPath('keyFile', flags.datastoreKeyfile || e.env.K3TS_DATASTORE_KEYFILE),
    },
    serviceCidr: flags.serviceCidr || '10.43.0.0/16',
    clusterCidr: flags.clusterCidr || '10.42.0.0/16',
    nodePortRange: parseRange(flags.serviceNodePortRange),
    nodeMonitorGracePeriodMs: parseDurationFlag('--node-monitor-grace-period', flags.nodeMonitorGracePeriod, 40_000),
    hpaSyncPeriodMs: parseDurationFlag('--horizontal-pod-autoscaler-sync-period', flags.horizontalPodAutoscalerSyncPeriod, 15_000),
    hpaDownscaleStabilizationMs: parseDurationFlag('--horizontal-pod-autoscaler-downscale-stabilization', flags.horizontalPodAutoscalerDownscaleStabilization, 300_000),
    notReadyTolerationSeconds: parseSeconds('--default-not-ready-toleration-seconds', flags.defaultNotReadyTolerationSeconds, 300),
    unreachableTolerationSeconds: parseSeconds('--default-unreachable-toleration-seconds', flags.defaultUnreachableTolerationSeconds, 300),
    // Without its own node the server runs no containers, so no runtime is needed on the machine.
    node: resolveNodeSettings(flags.disableAgent ? { ...flags, runtime: 'sim', containerRuntimeEndpoint: undefined } : flags, e),
    logFormat: flags.logFormat === 'json' ? 'json' : 'text',
    debug: !!flags.debug || e.env.K3TS_DEBUG === 'true',
    requestTimeoutMs: parseDurationFlag('--request-timeout', flags.requestTimeout, 60_000),
    leaderElection: leaderElectionTimes(flags),
    ...resolveAuditSettings(flags),
    secretsEncryption: !!flags.secretsEncryption || e.env.K3TS_SECRETS_ENCRYPTION === 'true',
    secretsEncryptionProvider: keyProviderFlag(flags.secretsEncryptionProvider ?? e.env.K3TS_SECRETS_ENCRYPTION_PROVIDER),
    disable: parseDisable(flags.disable),
  });
}

function keyProviderFlag(v: string | undefined): KeyProvider {
  if (v === undefined || v === '') return 'aescbc';
  if (!KEY_PROVIDERS.includes(v as KeyProvider)) throw new ConfigError(`--secrets-encryption-provider: "${v}" is not one of ${KEY_PROVIDERS.join(', ')}`);
  return v as KeyProvider;
}

/** The URL the admin kubeconfig points at: loopback unless the server only listens elsewhere. */
export function kubeconfigServerUrl(c: Pick<ServerConfig, 'bindAddress' | 'port'>): string {
  const unspecified = c.bindAddress === '0.0.0.0' || c.bindAddress === '::';
  const host = unspecified ? '127.0.0.1' : c.bindAddress;
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${c.port}`;
}

const optionalPath = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> => (value ? ({ [key]: resolve(value) } as Record<K, string>) : {});
