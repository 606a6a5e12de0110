// `k3ts etcd-snapshot`: files of this machine's managed etcd, made with etcd's Maintenance.Snapshot
// (a consistent copy of its database, with etcd's checksum at the end, which restore checks). Named
// as K3s names them, `<name>-<node>-<unix seconds>`, in <data-dir>/server/db/snapshots. A snapshot
// holds every Secret and the sealed bootstrap record: files are 0600.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { EtcdAdmin } from '../../storage/etcd/etcd-admin.js';
import { loadTlsMaterial } from '../../storage/etcd/tls-files.js';
import { managedEtcdPaths } from './etcd-paths.js';
import { managedEtcdTls } from './managed-etcd.js';

export interface SnapshotInfo {
  name: string;
  path: string;
  size: number;
  createdAt: Date;
}

export class SnapshotError extends Error {}

const PART = '.part';

export function snapshotDir(dataDir: string, override?: string): string {
  return override ?? managedEtcdPaths(dataDir).snapshotDir;
}

const snapshotName = /^[a-z0-9][a-z0-9._-]*$/i;

export async function saveSnapshot(o: { dataDir: string; name?: string; dir?: string; nodeName?: string; now?: Date }): Promise<SnapshotInfo> {
  const paths = managedEtcdPaths(o.dataDir);
  const prefix = o.name ?? 'etcd-snapshot';
  if (!snapshotName.test(prefix)) throw new SnapshotError(`--name: "${prefix}" may hold only letters, digits, '.', '_' and '-'`);
  if (!existsSync(paths.endpointFile)) throw new SnapshotError(`${o.dataDir} runs no managed etcd (no ${paths.endpointFile}); start the server with --cluster-init, or pass its --data-dir`);
  const endpoint = (await readFile(paths.endpointFile, 'utf8')).trim();
  const dir = snapshotDir(o.dataDir, o.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = `${prefix}-${o.nodeName ?? hostname()}-${Math.floor((o.now ?? new Date()).getTime() / 1000)}`;
  const path = join(dir, name);
  const admin = new EtcdAdmin(endpoint, loadTlsMaterial(managedEtcdTls(paths)), 5_000);
  try {
    await admin.status().catch((err: Error) => {
      throw new SnapshotError(`etcd at ${endpoint} does not answer (${err.message}); is the server running?`);
    });
    await admin.snapshot(createWriteStream(path + PART, { mode: 0o600 }));
    await rename(path + PART, path);
  } catch (err) {
    await rm(path + PART, { force: true });
    throw err;
  } finally {
    admin.close();
  }
  return describe(path);
}

async function describe(path: string): Promise<SnapshotInfo> {
  const s = await stat(path);
  return { name: basename(path), path, size: s.size, createdAt: s.mtime };
}

/** Newest first. */
export async function listSnapshots(dir: string): Promise<SnapshotInfo[]> {
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => !n.endsWith(PART));
  const all = await Promise.all(names.map((n) => describe(join(dir, n))));
  return all.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.name.localeCompare(a.name));
}

export async function deleteSnapshots(dir: string, names: string[]): Promise<string[]> {
  const known = new Set((await listSnapshots(dir)).map((s) => s.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length) throw new SnapshotError(`no snapshot named ${missing.join(', ')} in ${dir}; see "k3ts etcd-snapshot ls"`);
  for (const n of names) await rm(join(dir, n));
  return names;
}

/** Keeps the `retention` newest snapshots whose name starts with `<prefix>-`; removes the rest. */
export async function pruneSnapshots(dir: string, o: { prefix?: string; retention: number }): Promise<string[]> {
  if (!Number.isInteger(o.retention) || o.retention < 1) throw new SnapshotError(`--snapshot-retention: "${o.retention}" must be a whole number of at least 1`);
  const prefix = `${o.prefix ?? 'etcd-snapshot'}-`;
  const mine = (await listSnapshots(dir)).filter((s) => s.name.startsWith(prefix));
  const gone = mine.slice(o.retention).map((s) => s.name);
  for (const n of gone) await rm(join(dir, n));
  return gone;
}
