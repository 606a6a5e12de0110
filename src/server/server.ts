// `k3ts server`: datastore, PKI, registry, admission and the API server, assembled and started;
// close() takes them down in reverse order.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openBackend } from '../storage/open.js';
import { ensureServerPki, writeKubeconfig } from '../pki/index.js';
import { loadTokenAuthFile, serverTokenEntries } from '../apiserver/authn.js';
import { startApiServer, type ApiServer } from '../apiserver/server.js';
import { kubeconfigServerUrl, type ServerConfig } from './config.js';
import type { Logger } from './log.js';
import { apiServiceIP, startControlPlane } from './control-plane.js';

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
  await mkdir(join(config.dataDir, 'server', 'db'), { recursive: true, mode: 0o700 });
  // The datastore first: a second server on the same data dir stops here, before touching a file.
  const backend = await openBackend(config.datastoreEndpoint);
  const closers: Array<() => Promise<void> | void> = [() => backend.close()];
  try {
    const serviceIP = apiServiceIP(config.serviceCidr);
    const pki = await ensureServerPki({ dataDir: config.dataDir, tlsSans: config.tlsSans, serviceIP, token: config.token });
    for (const w of pki.written) log.info('wrote', { path: w.path, reason: w.reason });

    const plane = await startControlPlane({
      backend,
      serviceCidr: config.serviceCidr,
      nodePortRange: config.nodePortRange,
      advertiseAddress: config.advertiseAddress,
      port: config.port,
      caPem: pki.caPem,
      log,
    });
    closers.unshift(() => plane.stop());

    const tokens = [...serverTokenEntries(pki.token), ...(config.token ? serverTokenEntries(config.token) : [])];
    if (config.tokenAuthFile) tokens.push(...loadTokenAuthFile(config.tokenAuthFile));
    const api: ApiServer = await startApiServer({
      context: plane.context,
      tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      tokens,
      bindAddress: config.bindAddress,
      port: config.port,
      advertiseAddress: `${config.advertiseAddress}:${config.port}`,
      log: (line) => log.error(line),
    });
    closers.unshift(() => api.close());
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
    if (!config.disableAgent) log.info('this build runs the control plane only; start nodes with `k3ts agent` once available (pass --disable-agent to silence this)');
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
