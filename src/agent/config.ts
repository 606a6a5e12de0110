// Flags and environment of `k3ts agent` (named as K3s names them) into one frozen configuration.
// Pure, so each refusal is testable without starting anything.
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, currentEnvironment, defaultDataDir, type Environment } from './environment.js';
import { isRestrictedNodeLabel } from '../registry/node-self-labels.js';
import { tryParseCidr } from '../network/ipv4.js';

export interface AgentFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
  dataDir?: string;
  nodeName?: string;
  withNodeId?: boolean;
  nodeIp?: string;
  nodeLabel?: string[];
  nodeTaint?: string[];
  runtime?: string;
  containerRuntimeEndpoint?: string;
  privateRegistry?: string;
  logFormat?: string;
  clusterCidr?: string;
  flannelBackend?: string;
  flannelIface?: string;
  clusterDns?: string;
  clusterDomain?: string;
  resolvConf?: string;
  disableKubeProxy?: boolean;
  disableNetworkPolicy?: boolean;
}

export type FlannelBackend = 'vxlan' | 'host-gw' | 'none';

/** How the node takes part in the cluster network; only nodes running real containers have one. */
export interface NodeNetworkSettings {
  /** Pods' addresses, all nodes': traffic within it is not masqueraded. */
  clusterCidr: string;
  /** Between nodes: VXLAN (any network), host-gw (one L2 segment), none (someone else's). */
  backend: FlannelBackend;
  /** The interface whose address carries the overlay; the node IP's by default. */
  iface?: string;
  /** The kube-dns Service's address, written into pods' resolv.conf. */
  clusterDns: string;
  clusterDomain: string;
  /** The node's resolvers: for `dnsPolicy: Default` pods and names outside the cluster. */
  resolvConf: string;
  kubeProxy: boolean;
  networkPolicy: boolean;
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export type RuntimeKind = 'containerd' | 'sim';

export interface NodeSettings {
  nodeName?: string;
  withNodeId: boolean;
  nodeIp?: string;
  labels: Record<string, string>;
  taints: Taint[];
  runtime: RuntimeKind;
  /** An existing CRI socket (K3s's --container-runtime-endpoint): no containerd of our own. */
  containerRuntimeEndpoint?: string;
  /** registries.yaml (K3s's format) for the node's containerd; <data-dir>/registries.yaml when not given. */
  privateRegistry?: string;
  hostname: string;
  network: NodeNetworkSettings;
}

/** What the managed containerd needs on the machine, and the Debian package that brings it. */
const CONTAINERD_NEEDS = [
  { file: 'containerd', pkg: 'containerd' },
  { file: 'containerd-shim-runc-v2', pkg: 'containerd' },
  { file: 'runc', pkg: 'runc' },
  { file: '/usr/lib/cni/bridge', pkg: 'containernetworking-plugins' },
  { file: '/usr/lib/cni/host-local', pkg: 'containernetworking-plugins' },
  { file: '/usr/lib/cni/loopback', pkg: 'containernetworking-plugins' },
  { file: '/usr/lib/cni/portmap', pkg: 'containernetworking-plugins' },
];

/**
 * containerd when asked for, or by default when it can run (root, and the packages installed); the
 * simulator only when asked for. Anything else stops the start with what is missing and the choice
 * the user has, never a silent fall back to simulated containers.
 */
export function resolveRuntime(flags: { runtime?: string; containerRuntimeEndpoint?: string }, e: Environment): { runtime: RuntimeKind; containerRuntimeEndpoint?: string } {
  const requested = flags.runtime || e.env.K3TS_RUNTIME || undefined;
  const endpoint = flags.containerRuntimeEndpoint || e.env.K3TS_CONTAINER_RUNTIME_ENDPOINT || undefined;
  if (requested !== undefined && requested !== 'sim' && requested !== 'containerd') {
    throw new ConfigError(`--runtime: "${requested}" is not a runtime k3ts knows; use containerd (real containers) or sim (simulated ones)`);
  }
  if (requested === 'sim') {
    if (endpoint) throw new ConfigError('--container-runtime-endpoint cannot be used with --runtime sim');
    return { runtime: 'sim' };
  }
  if (endpoint) return { runtime: 'containerd', containerRuntimeEndpoint: endpoint.replace(/^unix:\/\//, '') };
  const why = requested ? '--runtime containerd' : 'running real containers (the default)';
  if (e.uid !== 0) throw new ConfigError(`${why} needs root, for namespaces and cgroups: run as root, or pass --runtime sim for simulated containers`);
  const missing = CONTAINERD_NEEDS.filter((n) => !(e.hasExecutable?.(n.file) ?? true));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new ConfigError(`${why} needs ${missing.map((m) => m.file).join(', ')}: apt-get install ${pkgs.join(' ')}, or pass --runtime sim for simulated containers`);
  }
  return { runtime: 'containerd' };
}

function privateRegistry(file: string | undefined): { privateRegistry?: string } {
  if (!file) return {};
  const path = resolve(file);
  try {
    readFileSync(path);
  } catch (err) {
    throw new ConfigError(`--private-registry: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { privateRegistry: path };
}

export interface AgentConfig extends NodeSettings {
  server: string;
  token: string;
  dataDir: string;
  logFormat: 'text' | 'json';
}

const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function parseLabels(items: string[] = [], flag = '--node-label'): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (!labelKey.test(key) || !labelValue.test(value)) throw new ConfigError(`${flag}: "${item}" is not key=value with a valid label key and value`);
    labels[key] = value;
  }
  return labels;
}

export function parseTaints(items: string[] = []): Taint[] {
  return items.map((item) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(item);
    if (!m || !labelKey.test(m[1]!) || (m[2] !== undefined && !labelValue.test(m[2]))) {
      throw new ConfigError(`--node-taint: "${item}" is not key[=value]:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute`);
    }
    return { key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as Taint['effect'] };
  });
}

export function resolveNodeSettings(
  flags: Pick<AgentFlags, 'nodeName' | 'withNodeId' | 'nodeIp' | 'nodeLabel' | 'nodeTaint' | 'runtime' | 'containerRuntimeEndpoint' | 'privateRegistry' | 'clusterCidr' | 'flannelBackend' | 'flannelIface' | 'clusterDns' | 'clusterDomain' | 'resolvConf' | 'disableKubeProxy' | 'disableNetworkPolicy'>,
  e: Environment,
): NodeSettings {
  const nodeIp = flags.nodeIp || e.env.K3TS_NODE_IP || undefined;
  if (nodeIp && !isIP(nodeIp)) throw new ConfigError(`--node-ip: "${nodeIp}" is not an IP address`);
  return {
    nodeName: flags.nodeName || e.env.K3TS_NODE_NAME || undefined,
    withNodeId: !!flags.withNodeId || e.env.K3TS_WITH_NODE_ID === 'true',
    nodeIp,
    labels: parseLabels(flags.nodeLabel),
    taints: parseTaints(flags.nodeTaint),
    ...resolveRuntime(flags, e),
    ...privateRegistry(flags.privateRegistry || e.env.K3TS_PRIVATE_REGISTRY),
    hostname: hostname(),
    network: resolveNodeNetwork(flags, e),
  };
}

function resolveNodeNetwork(flags: Pick<AgentFlags, 'clusterCidr' | 'flannelBackend' | 'flannelIface' | 'clusterDns' | 'clusterDomain' | 'resolvConf' | 'disableKubeProxy' | 'disableNetworkPolicy'>, e: Environment): NodeNetworkSettings {
  const backend = flags.flannelBackend || e.env.K3TS_FLANNEL_BACKEND || 'vxlan';
  if (backend !== 'vxlan' && backend !== 'host-gw' && backend !== 'none') {
    throw new ConfigError(`--flannel-backend: "${backend}" is not a backend k3ts has; use vxlan (any network), host-gw (nodes on one L2 segment) or none`);
  }
  const clusterCidr = flags.clusterCidr || '10.42.0.0/16';
  if (!tryParseCidr(clusterCidr)) throw new ConfigError(`--cluster-cidr: "${clusterCidr}" is not an IPv4 CIDR (e.g. 10.42.0.0/16)`);
  const clusterDns = flags.clusterDns || '10.43.0.10';
  if (isIP(clusterDns) !== 4) throw new ConfigError(`--cluster-dns: "${clusterDns}" is not an IPv4 address (the kube-dns Service's, 10.43.0.10 by default)`);
  const clusterDomain = (flags.clusterDomain || 'cluster.local').replace(/\.$/, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain)) throw new ConfigError(`--cluster-domain: "${clusterDomain}" is not a DNS domain`);
  return {
    clusterCidr: tryParseCidr(clusterCidr)!.text,
    backend,
    ...(flags.flannelIface ? { iface: flags.flannelIface } : {}),
    clusterDns,
    clusterDomain,
    resolvConf: flags.resolvConf || e.env.K3TS_RESOLV_CONF || '/etc/resolv.conf',
    kubeProxy: !flags.disableKubeProxy,
    networkPolicy: !flags.disableNetworkPolicy,
  };
}

export function resolveAgentConfig(flags: AgentFlags, e: Environment = currentEnvironment()): Readonly<AgentConfig> {
  const server = flags.server || e.env.K3TS_URL;
  if (!server) throw new ConfigError('--server is required: the URL of a k3ts server, e.g. --server https://10.0.0.1:6443 (or K3TS_URL)');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigError(`--server: "${server}" is not a URL; use https://<server address>:6443`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(`--server: "${server}" must start with https:// (k3ts servers speak TLS only)`);
  if (!url.port) url.port = '6443';
  let token = flags.token || e.env.K3TS_TOKEN;
  const tokenFile = flags.tokenFile || e.env.K3TS_TOKEN_FILE;
  if (!token && tokenFile) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`--token-file: cannot read ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (!token) throw new ConfigError('--token is required: the server\'s <data-dir>/server/token, or a join token from "k3ts token create" (or K3TS_TOKEN / --token-file)');
  const node = resolveNodeSettings(flags, e);
  // The server would refuse the registration; say so before joining, with the way that works.
  const reserved = Object.keys(node.labels).filter(isRestrictedNodeLabel);
  if (reserved.length > 0) {
    const [key] = reserved;
    throw new ConfigError(
      `--node-label ${key}: an agent may not label itself under kubernetes.io or k8s.io (other than kubelet.kubernetes.io/, node.kubernetes.io/ and the well-known topology labels); ` +
        `label the node from a server once it has joined: kubectl label node <name> ${key}=${node.labels[key!]}`,
    );
  }
  return Object.freeze({
    ...node,
    server: `${url.protocol}//${url.host}`,
    token,
    dataDir: resolve(flags.dataDir || e.env.K3TS_DATA_DIR || defaultDataDir(e)),
    logFormat: flags.logFormat === 'json' ? ('json' as const) : ('text' as const),
  });
}
