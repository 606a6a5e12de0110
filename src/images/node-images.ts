// Images on this machine's nodes, for `k3ts image`: an archive is kept in the node's airgap dir
// (so it comes back after containerd's state is wiped) and imported at once into the node's
// containerd when it runs; listing asks that containerd through CRI.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { connectCri } from '../runtime/containerd/cri/client.js';
import { containerdPaths } from '../runtime/containerd/config.js';
import { CriImageService } from '../runtime/containerd/cri-images.js';
import { containerdAnswers } from '../runtime/containerd/killall.js';
import type { ImageStatus } from '../runtime/types.js';
import { importImageArchive } from './import.js';

export class NodeImagesError extends Error {}

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/;

/** The node dirs under `dataDir`: itself for a server or agent, each node of a `k3ts up` cluster. */
export async function nodeDirsIn(dataDir: string): Promise<string[]> {
  if (existsSync(join(dataDir, 'agent'))) return [dataDir];
  const entries = await readdir(dataDir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && existsSync(join(dataDir, e.name, 'agent'))).map((e) => join(dataDir, e.name)).sort();
}

async function runningSocket(nodeDir: string): Promise<string | undefined> {
  const { socket } = containerdPaths(join(nodeDir, 'agent'));
  return (await containerdAnswers(socket)) ? socket : undefined;
}

export interface ImportResult {
  nodeDir: string;
  /** Names imported now; undefined when the node's containerd is not running (it imports at its next start). */
  images?: string[];
}

export async function importIntoNodes(o: { file: string; nodeDirs: string[] }): Promise<ImportResult[]> {
  if (!ARCHIVE.test(o.file)) throw new NodeImagesError(`${o.file}: an image archive ends in .tar, .tar.gz or .tgz (docker save, or an OCI layout as tar)`);
  if (!existsSync(o.file)) throw new NodeImagesError(`${o.file}: no such file`);
  const results: ImportResult[] = [];
  for (const nodeDir of o.nodeDirs) {
    const dir = join(nodeDir, 'agent', 'images');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const kept = join(dir, basename(o.file));
    await copyFile(o.file, kept);
    const socket = await runningSocket(nodeDir);
    results.push({ nodeDir, ...(socket ? { images: await importImageArchive({ socket, file: kept }) } : {}) });
  }
  return results;
}

export async function listNodeImages(nodeDir: string): Promise<ImageStatus[] | undefined> {
  const socket = await runningSocket(nodeDir);
  if (!socket) return undefined;
  const cri = connectCri(socket, { defaultDeadlineMs: 10_000 });
  try {
    return await new CriImageService(cri).listImages();
  } catch {
    return undefined;
  } finally {
    cri.close();
  }
}
