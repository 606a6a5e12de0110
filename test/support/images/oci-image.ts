// Builds single-layer OCI image layouts in-process. Real-container tests need images, these machines
// have no internet, and spawning umoci/tar per image is slow and one more thing to install: a layer
// is just a gzipped tar, the rest is three small JSON documents named by their sha256.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { writeTar, type TarEntry } from '../../../src/images/tar.js';

export { busyboxFiles } from './busybox-userland.js';

/** A file in the image. Neither `content` nor `symlink`: a directory. */
export interface ImageFile {
  /** Absolute path inside the image, e.g. `/bin/sh`. */
  path: string;
  content?: Buffer | string;
  /** Permission bits (sticky/setuid included); 0o644 for files, 0o755 for directories by default. */
  mode?: number;
  /** Target of a symbolic link (as stored, relative or absolute). */
  symlink?: string;
}

/** The runtime defaults of the image, as `docker inspect` would call them. */
export interface ImageConfig {
  cmd?: string[];
  entrypoint?: string[];
  /** `NAME=value` strings. Nothing is added: give PATH if the command is not an absolute path. */
  env?: string[];
  workingDir?: string;
  /** `80/tcp`, `53/udp`; a bare number means tcp. */
  exposedPorts?: string[];
}

export interface BuildImageOptions {
  /** Layout directory; created if missing. Another tag already in it is kept. */
  dir: string;
  files: readonly ImageFile[];
  config: ImageConfig;
  /** The tag in the layout (`oci:<dir>:<tag>`). */
  tag: string;
}

export interface BuiltImage {
  layoutDir: string;
  manifestDigest: string;
  /** Bytes of the manifest: with the digest, the descriptor a registry or runtime refers to. */
  size: number;
  /** Bytes of config + layer as stored (compressed): what a pull transfers. */
  blobBytes: number;
}

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

const REF_NAME = 'org.opencontainers.image.ref.name';

export async function buildImage(options: BuildImageOptions): Promise<BuiltImage> {
  const { dir, tag } = options;
  const tar = writeTar(tarEntries(options.files));
  const layer = await promisify(gzip)(tar);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: runtimeConfig(options.config),
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
  }));
  const layerDigest = sha256(layer);
  const configDigest = sha256(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, digest: configDigest, size: config.length },
    layers: [{ mediaType: MEDIA_TYPES.layer, digest: layerDigest, size: layer.length }],
  }));
  const manifestDigest = sha256(manifest);

  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const [digest, bytes] of [[layerDigest, layer], [configDigest, config], [manifestDigest, manifest]] as const) {
    await writeFile(blobPath(dir, digest), bytes);
  }
  await tagInIndex(dir, tag, { mediaType: MEDIA_TYPES.manifest, digest: manifestDigest, size: manifest.length });
  return { layoutDir: dir, manifestDigest, size: manifest.length, blobBytes: layer.length + config.length };
}

export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return join(layoutDir, 'blobs', algorithm!, hex!);
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Every parent directory gets its own entry, ahead of its contents (sorted paths put a prefix
 * first): some unpackers create missing parents with a umask-dependent mode, others refuse.
 * A later duplicate replaces an earlier one, so callers can override e.g. /etc/passwd.
 */
function tarEntries(files: readonly ImageFile[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const file of files) {
    const path = posix.normalize(file.path).replace(/^\/+|\/+$/g, '');
    if (!path || path === '.' || path.startsWith('..')) throw new Error(`image file path must be absolute and inside the image: ${file.path}`);
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
      const parent = path.slice(0, i);
      if (!byPath.has(parent)) byPath.set(parent, { type: 'dir', path: parent, mode: 0o755 });
    }
    byPath.set(path, entryFor(path, file));
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function entryFor(path: string, file: ImageFile): TarEntry {
  if (file.symlink !== undefined) return { type: 'symlink', path, target: file.symlink };
  if (file.content !== undefined) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    return { type: 'file', path, mode: file.mode ?? 0o644, content };
  }
  return { type: 'dir', path, mode: file.mode ?? 0o755 };
}

/** Only the keys that were given, so an empty config stays `{}` as other builders write it. */
function runtimeConfig(config: ImageConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (config.env) out.Env = config.env;
  if (config.entrypoint) out.Entrypoint = config.entrypoint;
  if (config.cmd) out.Cmd = config.cmd;
  if (config.workingDir) out.WorkingDir = config.workingDir;
  if (config.exposedPorts) {
    out.ExposedPorts = Object.fromEntries(config.exposedPorts.map((p) => [p.includes('/') ? p : `${p}/tcp`, {}]));
  }
  return out;
}

interface Descriptor { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }

/** Adds or moves `tag` in index.json; other tags stay, so one layout can hold several images. */
async function tagInIndex(dir: string, tag: string, manifest: Descriptor): Promise<void> {
  const path = join(dir, 'index.json');
  let manifests: Descriptor[] = [];
  try {
    manifests = (JSON.parse(await readFile(path, 'utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  manifests = manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
  manifests.push({ ...manifest, annotations: { [REF_NAME]: tag } });
  await writeFile(path, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests }));
}

/** The manifest descriptor tagged `tag` in a layout, or the only one if the layout has one image. */
export async function findManifest(layoutDir: string, tag: string): Promise<Descriptor> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  const manifests = index.manifests ?? [];
  const found = manifests.find((m) => m.annotations?.[REF_NAME] === tag) ?? (manifests.length === 1 ? manifests[0] : undefined);
  if (!found) throw new Error(`no image tagged "${tag}" in ${layoutDir} (tags: ${manifests.map((m) => m.annotations?.[REF_NAME]).join(', ') || 'none'})`);
  return found;
}
