// `k3ts server`: datastore, PKI, registry, admission and the API server, assembled and started;
// close() takes them down in reverse order.
import { createMetricsApi, type MetricsApi } from '../apiserver/metrics/handler.js';
import { noResourceMetrics, type ResourceMetricsSource } from '../controllers/hpa/metrics-source.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openBackend } from '../storage/open.js';
import { ensureServerPki, writeKubeconfig } from '../pki/index.js';
import { loadTokenAuthFile, serverTokenEntries } from '../apiserver/authn.js';
import { startApiServer, type ApiServer } from '../apiserver/server.js';
import { kubeconfigServerUrl, type ServerConfig } from './config.js';
import type { Logger } from './log.js';
import { apiServiceIP, startControlPlane } from './control-plane.js';
import { manifestsDirOf } from './manifests/files.js';
import { systemMastersAuthorizer } from '../apiserver/authz.js';
import { createNodeAuthorizer, unionAuthorizer } from '../apiserver/node-authorizer.js';
import { startNodePodGraph } from '../apiserver/node-pod-graph.js';
import { claimNodeName, createJoinEndpoint } from '../apiserver/join/join-endpoint.js';
import { createTunnelRegistry, type TunnelRegistry } from '../apiserver/tunnels.js';
import { parseToken } from '../pki/index.js';
import { ensureServiceAccountKeys } from '../pki/service-account-keys.js';
import { kubeletVersion } from '../apiserver/version.js';
import { ensureNodePassword, resolveNodeName } from '../agent/node-identity.js';
import { startNode } from '../agent/node.js';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from '../client/types.js';
import { hostname } from 'node:os';
import { publishBootstrapData, restoreBootstrapData } from './bootstrap-data.js';
import { readIfExists } from '../pki/files.js';
import { tierUpSooner } from './tier-up.js';
import { serverPkiPaths } from '../pki/index.js';
import type { Backend } from '../storage/backend.js';
import { openAuditor } from '../apiserver/audit/open.js';
import { ensureSecretsEncryption, readOnlyDecryption } from './encryption-config.js';
import { encryptingBackend } from '../apiserver/store/encrypting-backend.js';
import { startManagedEtcdFor } from './etcd/start.js';
import { createServerJoinHandler } from './etcd/join-handler.js';
import { startMemberRemoval } from './etcd/member-removal.js';
import { guardMigratedRevisions } from './etcd/migrated-revisions.js';

export interface RunningServer {
  readonly port: number;
  readonly kubeconfigPath: string;
  close(): Promise<void>;
}

/** Runs every closer in order, even after one fails, and reports the first failure. */
async function closeAll(closers: Array<() => Promise<void> | void>): Promise<void> {
  let first: unknown;
  for (const c of closers) {
    try {
      await c();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

export async function runServer(config: Readonly<ServerConfig>, log: Logger): Promise<RunningServer> {
  const started = performance.now();
  // A bad audit policy stops the start before anything else is touched.
  const auditor = config.audit ? await openAuditor(config.audit, (msg, fields) => log.warn(msg, fields)) : undefined;
  await mkdir(join(config.dataDir, 'server', 'db'), { recursive: true, mode: 0o700 });
  // Managed etcd (--cluster-init / --server) runs before the datastore it is.
  const etcd = config.managedEtcd ? await startManagedEtcdFor(config, log) : undefined;
  // The datastore first: a second server on the same data dir stops here, before touching a file.
  const backend = await openBackend(config.datastoreEndpoint, { tls: config.datastoreTls }).then((b) => (etcd ? guardMigratedRevisions(b) : b)).catch(async (err) => {
    await etcd?.stop();
    throw err;
  });
  const closers: Array<() => Promise<void> | void> = [() => backend.close()];
  if (etcd) closers.push(() => etcd.stop());
  if (auditor) closers.push(() => auditor.close());
  // The HPA reads usage through the same gathering the metrics.k8s.io API serves (kubelets, through
  // their tunnels); the controllers start before the tunnels exist, so it is bound once they do.
  let podUsage: MetricsApi | undefined;
  const hpaMetrics: ResourceMetricsSource = {
    podMetrics: async (namespace, selector) => {
      if (!podUsage) return noResourceMetrics.podMetrics(namespace, selector);
      return (await podUsage.podMetrics(namespace, selector)).map((m) => ({ pod: m.metadata.name, timestamp: m.timestamp, window: m.window, containers: m.containers }));
    },
  };
  try {
    const serviceIP = apiServiceIP(config.serviceCidr);
    // SQLite belongs to this one process; any other datastore may be shared by several servers.
    const shared = backend.name !== 'sqlite';
    const ensurePki = () => ensureServerPki({ dataDir: config.dataDir, tlsSans: config.tlsSans, serviceIP, token: config.token });
    if (shared) await restoreSharedFiles(backend, config, log);
    let pki = await ensurePki();
    // Made (RSA, in the thread pool) while the control plane starts; awaited before serving (a
    // failure is seen there, not as an unhandled rejection meanwhile).
    const startKeys = () => {
      const keys = ensureServiceAccountKeys(config.dataDir);
      keys.catch(() => undefined);
      return keys;
    };
    let serviceAccountKeys = startKeys();
    let stored = await secretsBackend(config, backend, log);
    if (shared) {
      // The key and the encryption config must exist before they are stored for the other servers.
      await serviceAccountKeys;
      const published = await publishBootstrapData(backend, config.dataDir, parseToken(pki.token).password);
      if (published === 'published') log.info('stored the cluster certificates and keys in the datastore for other servers (sealed with the token)');
      if (published === 'replaced') {
        log.info('another server created the cluster at the same moment; took its certificates and keys');
        pki = await ensurePki();
        serviceAccountKeys = startKeys();
        stored = await secretsBackend(config, backend, log);
      }
    }
    for (const w of pki.written) log.info('wrote', { path: w.path, reason: w.reason });

    const plane = await startControlPlane({
      backend: stored,
      serviceCidr: config.serviceCidr,
      nodePortRange: config.nodePortRange,
      advertiseAddress: config.advertiseAddress,
      port: config.port,
      caPem: pki.caPem,
      serviceAccountKeys,
      certificateAuthorities: { client: pki.clientCa, serving: pki.serverCa },
      clusterCidr: config.clusterCidr,
      nodeMonitorGracePeriodMs: config.nodeMonitorGracePeriodMs,
      horizontalPodAutoscaler: { syncPeriodMs: config.hpaSyncPeriodMs, downscaleStabilizationMs: config.hpaDownscaleStabilizationMs, metrics: hpaMetrics },
      notReadyTolerationSeconds: config.notReadyTolerationSeconds,
      unreachableTolerationSeconds: config.unreachableTolerationSeconds,
      ha: shared ? { identity: hostname(), ...config.leaderElection } : undefined,
      localStorage: !config.disable?.includes('local-storage'),
      manifests: { dir: manifestsDirOf(config.dataDir), disabled: config.disable },
      log,
    });
    closers.unshift(() => plane.stop());
    if (etcd) closers.unshift(startMemberRemoval({ client: plane.client, admin: etcd.admin, selfName: etcd.memberName, log }));

    const saKeys = await serviceAccountKeys;
    if (saKeys.created) log.info('wrote', { path: saKeys.path, reason: 'new service account signing key' });
    const tokens = [...serverTokenEntries(pki.token), ...(config.token ? serverTokenEntries(config.token) : [])];
    const serverPasswords = [...new Set([pki.token, ...(config.token ? [config.token] : [])].map((t) => parseToken(t).password))];
    const tunnels = createTunnelRegistry({ onChange: (node, connected) => log.info(connected ? 'node tunnel connected' : 'node tunnel closed', { node }) });
    closers.unshift(() => tunnels.close());
    podUsage = createMetricsApi({ ctx: plane.context, dial: (node, target) => tunnels.dial(node, target), log: (line) => log.info(line) });
    const join = createJoinEndpoint({
      client: plane.client,
      caPem: pki.caPem,
      clientCa: pki.clientCa,
      serverPasswords,
      onJoin: (node, how) => log.info('node joined', { node, how }),
    });
    if (config.tokenAuthFile) tokens.push(...loadTokenAuthFile(config.tokenAuthFile));
    // Which pods of a node use which Secrets, ConfigMaps and ServiceAccounts, for the node authorizer.
    const podGraphStop = new AbortController();
    closers.unshift(() => podGraphStop.abort());
    const podGraph = startNodePodGraph(plane.client, podGraphStop.signal, (err) => log.warn('node authorizer pod watch', { error: (err as Error)?.message ?? String(err) }));
    const api: ApiServer = await startApiServer({
      context: plane.context,
      tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      tokens,
      bindAddress: config.bindAddress,
      port: config.port,
      advertiseAddress: `${config.advertiseAddress}:${config.port}`,
      // Node first (a kubelet's rights depend on its pods), then RBAC.
      authorizer: unionAuthorizer(systemMastersAuthorizer, createNodeAuthorizer(plane.client, podGraph), plane.rbac.authorizer),
      join,
      serverJoin: etcd ? createServerJoinHandler({ admin: etcd.admin, dataDir: config.dataDir, serverPasswords, log: (level, msg, fields) => log[level](msg, fields) }) : undefined,
      tunnels,
      limits: { requestTimeoutMs: config.requestTimeoutMs },
      log: (line) => log.error(line),
      debug: (line) => log.debug(line),
      warn: (msg, fields) => log.warn(msg, fields),
      auditor,
    });
    // Agents are told first (they fail over to other servers), then every socket is closed; closing
    // the tunnels a second time later is harmless.
    closers.unshift(() => tunnels.close(), () => api.close());
    const port = api.port;
    await writeKubeconfig({
      path: config.kubeconfigPath,
      server: kubeconfigServerUrl({ bindAddress: config.bindAddress, port }),
      caPem: pki.caPem,
      certPem: pki.adminCertPem,
      keyPem: pki.adminKeyPem,
      mode: config.kubeconfigMode,
    });
    log.info('k3ts server is ready', {
      url: `https://${config.advertiseAddress}:${port}`,
      kubeconfig: config.kubeconfigPath,
      datastore: backend.name,
      startupMs: Math.round(performance.now() - started),
    });
    tierUpSooner();
    if (!config.disableAgent) closers.unshift(await startOwnNode(config, plane.client, tunnels, log));
    return {
      port,
      kubeconfigPath: config.kubeconfigPath,
      close: () => closeAll(closers),
    };
  } catch (err) {
    // The start error is what the operator needs to see, whatever closing then reports.
    await closeAll(closers).catch(() => undefined);
    throw err;
  }
}

/** On a shared datastore, before this server makes any certificate or key: the cluster's CAs,
 *  ServiceAccount key and encryption keys come from the datastore when another server stored them
 *  (sealed with the token); this server stores its own there once made, when it is the first. */
async function restoreSharedFiles(backend: Backend, config: Readonly<ServerConfig>, log: Logger): Promise<void> {
  const tokenFile = (await readIfExists(serverPkiPaths(config.dataDir).token))?.toString('utf8').trim();
  const known = config.token ?? tokenFile;
  const restored = await restoreBootstrapData(backend, config.dataDir, known ? parseToken(known).password : undefined);
  if (restored === 'restored') log.info('took the cluster certificates and keys from the datastore');
}

/** Secrets pass through the configured keys on their way to and from the datastore. */
async function secretsBackend(config: Readonly<ServerConfig>, backend: Backend, log: Logger): Promise<Backend> {
  if (config.secretsEncryption) {
    const enc = await ensureSecretsEncryption(config.dataDir, backend, config.secretsEncryptionProvider);
    if (enc.created) log.info('wrote', { path: enc.path, reason: `secrets encryption key (${config.secretsEncryptionProvider})` });
    else if (enc.writesWith !== config.secretsEncryptionProvider) {
      log.warn(`Secrets are still written with the ${enc.writesWith} key: stop the server and run \`k3ts secrets-encrypt rotate-keys --provider ${config.secretsEncryptionProvider}\` to change it`, { path: enc.path });
    }
    return encryptingBackend(backend, enc.transformer);
  }
  const old = readOnlyDecryption(config.dataDir);
  if (!old) return backend;
  log.warn('secrets encryption is off: Secrets are written in plaintext; the keys are kept for reading those sealed before', { path: old.path });
  return encryptingBackend(backend, old.transformer);
}

/** The server's own node: the same kubelet an agent runs, on the in-process client, dialled directly. */
async function startOwnNode(config: Readonly<ServerConfig>, client: Client, tunnels: TunnelRegistry, log: Logger): Promise<() => Promise<void>> {
  const nodeName = await resolveNodeName({ ...config.node, dataDir: config.dataDir });
  // The server's node holds its name like any other, so no agent can take it over.
  await claimNodeName(client, nodeName, await ensureNodePassword(config.dataDir));
  const node = await startNode({
    client,
    nodeName,
    nodeIp: config.node.nodeIp ?? config.advertiseAddress,
    // As K3s (its kubelet's --hostname-override): the hostname label is the node's name, so
    // anti-affinity and topology spread by hostname tell apart nodes that share a machine.
    hostname: nodeName,
    labels: { ...config.node.labels, 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' },
    taints: config.node.taints,
    dataDir: config.dataDir,
    runtime: config.node,
    kubeletVersion,
    log: (msg, fields) => log.info(msg, fields),
  });
  const unregister = tunnels.registerLocal(nodeName, (target) =>
    target === 'kubelet'
      ? new Promise<Duplex>((resolve, reject) => {
          const sock = connect(node.kubeletSocket);
          sock.once('connect', () => resolve(sock));
          sock.once('error', reject);
        })
      : Promise.reject(new Error(`no such target on this node: ${target}`)),
  );
  log.info('node started', { node: nodeName });
  return async () => {
    unregister();
    await node.stop();
  };
}
