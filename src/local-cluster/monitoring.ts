// `k3ts up --monitoring`: Debian's Prometheus as one more recorded process, scraping the API server
// and every node through the API server. Its identity is a client certificate from the cluster's
// client CA for user `k3ts-monitoring` in group `system:monitoring` (the default policy lets that
// group read /metrics), plus a ClusterRole of its own for `get nodes/proxy`: nothing more.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { get } from 'node:http';
import { issueClientCertificate, serverPkiPaths } from '../pki/index.js';
import { writeFileAtomic } from '../pki/files.js';
import type { Client } from '../client/types.js';
import { hasReason } from '../client/types.js';
import { renderScrapeConfig } from './scrape-config.js';
import { startDetachedProgram, stopProcess, type RecordedProcess } from './processes.js';

export const MONITORING_USER = 'k3ts-monitoring';
export const MONITORING_GROUP = 'system:monitoring';
export const DEFAULT_MONITORING_PORT = 9090;

export class MonitoringError extends Error {}

export interface MonitoringOptions {
  /** The up dir; Prometheus' files go to <dataDir>/monitoring. */
  dataDir: string;
  /** The server's data dir (its client CA signs the certificate). */
  serverDir: string;
  apiServer: string;
  nodes: string[];
  port: number;
  /** The admin client, to create the node-proxy role and its binding. */
  client: Client;
  scrapeIntervalSeconds?: number;
  readyTimeoutMs?: number;
  /** Told the process as soon as it exists, so `down` (or a failing up) stops it. */
  started(p: RecordedProcess): Promise<void>;
}

export interface Monitoring {
  url: string;
  config: string;
  storage: string;
  process: RecordedProcess;
}

const rbacType = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource });

/** Where Prometheus is, or a one-line fix. */
export function findPrometheus(): string {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new MonitoringError('--monitoring needs Prometheus: install it (apt-get install -y prometheus), or leave out --monitoring');
  return found;
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

export async function startMonitoring(o: MonitoringOptions): Promise<Monitoring> {
  const prometheus = findPrometheus();
  const dir = join(o.dataDir, 'monitoring');
  const storage = join(dir, 'data');
  await mkdir(storage, { recursive: true, mode: 0o700 });
  const pki = serverPkiPaths(o.serverDir);
  const identity = await issueClientCertificate({
    issuer: { certPem: readFileSync(pki.clientCaCert, 'utf8'), keyPem: readFileSync(pki.clientCaKey, 'utf8') },
    commonName: MONITORING_USER,
    organizations: [MONITORING_GROUP],
  });
  const files = { caFile: join(dir, 'server-ca.crt'), certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
  await writeFileAtomic(files.caFile, readFileSync(pki.serverCaCert), 0o644);
  await writeFileAtomic(files.certFile, identity.certPem, 0o644);
  await writeFileAtomic(files.keyFile, identity.keyPem, 0o600);
  await grantNodeProxy(o.client);
  const config = join(dir, 'prometheus.yml');
  await writeFileAtomic(config, renderScrapeConfig({ apiServer: o.apiServer, nodes: o.nodes, ...files, scrapeIntervalSeconds: o.scrapeIntervalSeconds ?? 5 }), 0o644);
  if (!(await portFree(o.port))) throw new MonitoringError(`--monitoring-port: port ${o.port} on 127.0.0.1 is already in use; stop what uses it, or choose another port`);
  const listen = `127.0.0.1:${o.port}`;
  const process = startDetachedProgram('prometheus', prometheus, [`--config.file=${config}`, `--storage.tsdb.path=${storage}`, `--web.listen-address=${listen}`], join(o.dataDir, 'logs', 'prometheus.log'));
  await o.started(process);
  const url = `http://${listen}`;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  while (!(await ready(url))) {
    if (Date.now() > deadline) {
      await stopProcess(process, 5000);
      throw new MonitoringError(`Prometheus did not become ready on ${url} within ${Math.round((o.readyTimeoutMs ?? 30_000) / 1000)} s; see ${process.log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, config, storage, process };
}

function ready(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${url}/-/ready`, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/** `get nodes/proxy` for the monitoring user: what scraping the nodes through the API needs. */
async function grantNodeProxy(client: Client): Promise<void> {
  const meta = { name: MONITORING_USER, labels: { 'app.kubernetes.io/managed-by': 'k3ts-up' } };
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta, rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }] };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: MONITORING_USER },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: MONITORING_USER }],
  };
  for (const [resource, obj] of [['clusterroles', role], ['clusterrolebindings', binding]] as const) {
    try {
      await client.create(rbacType(resource), obj);
    } catch (err) {
      if (!hasReason(err, 'AlreadyExists')) throw err;
    }
  }
}
