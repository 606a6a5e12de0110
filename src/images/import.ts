// Images from archive files, for machines without a registry (airgap): a docker-archive or an OCI
// archive, plain or gzipped, is streamed into the node's containerd with its own `ctr` tool. ctr
// unpacks what it imports, so a pod can start from it at once.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export class ImageImportError extends Error {}

/** The namespace CRI keeps its images in; pods only see images there. */
export const CRI_NAMESPACE = 'k8s.io';

async function compressionOf(file: string): Promise<'none' | 'gzip' | 'zstd'> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buffer.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** Imports one archive; resolves with the image names it held. */
export async function importImageArchive(o: { socket: string; file: string; ctr?: string }): Promise<string[]> {
  // The node imports what lands in its images dir while `k3ts image import` may be importing the
  // same archive: the slower of two concurrent imports of one name is told it "already exists".
  // Importing again then updates the record the other made, which is what both wanted.
  for (let attempt = 1; ; attempt++) {
    try {
      return await importOnce(o);
    } catch (err) {
      if (!(err instanceof ImageImportError && /already exists/.test(err.message)) || attempt === 3) throw err;
    }
  }
}

async function importOnce(o: { socket: string; file: string; ctr?: string }): Promise<string[]> {
  const compression = await compressionOf(o.file);
  if (compression === 'zstd') throw new ImageImportError(`${o.file} is zstd-compressed, which this Node cannot read: decompress it first (zstd -d) or use a .tar or .tar.gz`);
  const child = spawn(o.ctr ?? 'ctr', ['-a', o.socket, '-n', CRI_NAMESPACE, 'images', 'import', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const source = createReadStream(o.file);
  const input = compression === 'gzip' ? source.pipe(createGunzip()) : source;
  // ctr may stop reading early on a bad archive; its exit status says why, not the broken pipe.
  child.stdin.on('error', () => undefined);
  input.on('error', (e: Error) => child.stdin.destroy(e));
  input.pipe(child.stdin);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).catch((e: NodeJS.ErrnoException) => {
    throw new ImageImportError(e.code === 'ENOENT' ? 'ctr was not found: it comes with the containerd package' : e.message);
  });
  if (code !== 0) throw new ImageImportError(`${o.file}: ${(err.trim().split('\n').pop() ?? '').replace(/^ctr: /, '') || `ctr exited with ${code}`}`);
  return [...out.matchAll(/^unpacking (\S+) \(/gm)].map((m) => m[1]!);
}
