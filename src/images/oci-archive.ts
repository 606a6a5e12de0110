// An OCI image archive (an image layout in a tar) made from files in memory: what `k3ts` feeds
// containerd for images it carries itself, such as the sandbox's pause image.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { writeTar, type TarEntry } from './tar.js';

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

export interface OciArchive {
  tar: Buffer;
  manifestDigest: string;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** One layer of `files`; `name` is the full reference containerd records (`k3ts.local/pause:1`). */
export function buildOciArchive(o: { name: string; files: TarEntry[]; config: ImageConfig; architecture: string }): OciArchive {
  const layerTar = writeTar(o.files);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(JSON.stringify({
    architecture: o.architecture,
    os: 'linux',
    config: {
      ...(o.config.entrypoint ? { Entrypoint: o.config.entrypoint } : {}),
      ...(o.config.cmd ? { Cmd: o.config.cmd } : {}),
      ...(o.config.env ? { Env: o.config.env } : {}),
      ...(o.config.workingDir ? { WorkingDir: o.config.workingDir } : {}),
      ...(o.config.user ? { User: o.config.user } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [sha(layerTar)] },
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
  }));
  const tag = o.name.slice(o.name.lastIndexOf(':') + 1);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha(manifest),
      size: manifest.length,
      annotations: { 'io.containerd.image.name': o.name, 'org.opencontainers.image.ref.name': tag },
    }],
  }));
  const file = (path: string, content: Buffer): TarEntry => ({ type: 'file', path, mode: 0o644, content });
  const blob = (b: Buffer) => file(`blobs/sha256/${sha(b).slice(7)}`, b);
  const tar = writeTar([
    file('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')),
    file('index.json', index),
    { type: 'dir', path: 'blobs', mode: 0o755 },
    { type: 'dir', path: 'blobs/sha256', mode: 0o755 },
    blob(config),
    blob(layer),
    blob(manifest),
  ]);
  return { tar, manifestDigest: sha(manifest) };
}
