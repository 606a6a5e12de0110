// containerd's config.toml for one node, and where that node's containerd keeps everything. Every
// path is under the agent's data dir, so several nodes on one machine (k3ts up) never share a
// socket, a root, a state dir or CNI configuration.
import { join } from 'node:path';

export interface ContainerdPaths {
  dir: string;
  config: string;
  socket: string;
  root: string;
  state: string;
  log: string;
  /** CNI configuration the agent writes once the node has a podCIDR. */
  cniConfDir: string;
  /** host-local's leases, per node. */
  cniIpamDir: string;
  /** Container logs: <podLogs>/<namespace>_<name>_<uid>/<container>/<n>.log, as the kubelet's /var/log/pods. */
  podLogs: string;
  /** Files of pod volumes (emptyDir, configMap, secret, projected...). */
  podVolumes: string;
}

export function containerdPaths(agentDir: string): ContainerdPaths {
  const dir = join(agentDir, 'containerd');
  return {
    dir,
    config: join(dir, 'config.toml'),
    socket: join(dir, 'containerd.sock'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    log: join(dir, 'containerd.log'),
    cniConfDir: join(agentDir, 'cni', 'net.d'),
    cniIpamDir: join(agentDir, 'cni', 'ipam'),
    podLogs: join(agentDir, 'pods', 'logs'),
    podVolumes: join(agentDir, 'pods', 'volumes'),
  };
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  /** Where exec, attach and port-forward URLs listen: an address of the node the agent can reach. */
  streamAddress: string;
  cniBinDir: string;
  sandboxImage: string;
  /** registries.yaml, as K3s reads it: mirrors and per-registry TLS and auth. */
  registries?: RegistriesConfig;
}

export interface RegistriesConfig {
  mirrors?: Record<string, { endpoint?: string[] }>;
  configs?: Record<string, { auth?: { username?: string; password?: string; auth?: string; identitytoken?: string }; tls?: { insecure_skip_verify?: boolean; ca_file?: string; cert_file?: string; key_file?: string } }>;
}

const q = (s: string) => JSON.stringify(s);
const cri = '[plugins."io.containerd.grpc.v1.cri"';

export function containerdConfig(o: ContainerdConfigOptions): string {
  const p = o.paths;
  const lines = [
    '# Written by the k3ts agent at every start; edits are lost.',
    'version = 2',
    `root = ${q(p.root)}`,
    `state = ${q(p.state)}`,
    '',
    '[grpc]',
    `  address = ${q(p.socket)}`,
    '[ttrpc]',
    `  address = ${q(`${p.socket}.ttrpc`)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(p.dir, 'opt'))}`,
    '',
    `${cri}]`,
    `  sandbox_image = ${q(o.sandboxImage)}`,
    // These kernels refuse a negative oom_score_adj without CAP_SYS_RESOURCE; clamp instead.
    '  restrict_oom_score_adj = true',
    `  stream_server_address = ${q(o.streamAddress)}`,
    '  stream_server_port = "0"',
    '  enable_tls_streaming = false',
    // Pod network namespaces under this node's state dir, not the machine-wide /var/run/netns.
    '  netns_mounts_under_state_dir = true',
    '  max_container_log_line_size = 16384',
    `${cri}.cni]`,
    `  bin_dir = ${q(o.cniBinDir)}`,
    `  conf_dir = ${q(p.cniConfDir)}`,
    '  max_conf_num = 1',
    `${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
  ];
  lines.push(...registryLines(o.registries));
  return `${lines.join('\n')}\n`;
}

/** registries.yaml as containerd 1.6's CRI registry settings. A mirror endpoint that is plain http
 *  is reached without TLS, which is how a local registry on 127.0.0.1:5000 works. */
function registryLines(reg: RegistriesConfig | undefined): string[] {
  if (!reg) return [];
  const out: string[] = [];
  for (const [name, mirror] of Object.entries(reg.mirrors ?? {})) {
    out.push(`${cri}.registry.mirrors.${q(name)}]`, `  endpoint = [${(mirror.endpoint ?? []).map(q).join(', ')}]`);
  }
  for (const [host, conf] of Object.entries(reg.configs ?? {})) {
    if (conf.auth) {
      out.push(`${cri}.registry.configs.${q(host)}.auth]`);
      for (const [k, v] of Object.entries(conf.auth)) if (typeof v === 'string') out.push(`  ${k} = ${q(v)}`);
    }
    if (conf.tls) {
      out.push(`${cri}.registry.configs.${q(host)}.tls]`);
      if (conf.tls.insecure_skip_verify !== undefined) out.push(`  insecure_skip_verify = ${conf.tls.insecure_skip_verify ? 'true' : 'false'}`);
      for (const k of ['ca_file', 'cert_file', 'key_file'] as const) if (conf.tls[k]) out.push(`  ${k} = ${q(conf.tls[k]!)}`);
    }
  }
  return out;
}
