#!/usr/bin/env node
// Builds the seed-002 demo image without Docker or the internet: the host's static busybox (for
// httpd and a shell) plus www/ from this directory, written as an OCI image layout. Plain Node with
// only node: builtins, so it runs from a fresh checkout; the k3ts tests build their seed002 image
// by running this very script, so the demo and the tests cannot drift apart.
//
//   node build.mjs --out DIR [--tag 1] [--name k3ts.local/seed002:1] [--tar FILE] [--push HOST/NAME:TAG]
//
// --tar writes the layout as one tar (`k3ts image import`, `ctr image import`), whose image is
// named --name (k3ts.local/seed002:<tag> by default, what examples/seed002-test.yaml runs); --push
// copies it to a registry with skopeo over plain HTTP (meant for a registry on 127.0.0.1).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUSYBOX = '/bin/busybox';
// What the CGI script needs, enough to look around with `kubectl exec`, and tar for `kubectl cp`.
const APPLETS = ['sh', 'httpd', 'cat', 'echo', 'printf', 'mkdir', 'rmdir', 'rm', 'sleep', 'ls', 'ps', 'env',
  'hostname', 'wget', 'kill', 'id', 'top', 'ip', 'nslookup', 'true', 'false', 'test', '[', 'tar', 'date',
  'seq', 'tr', 'head', 'grep', 'sed', 'stty', 'uname', 'df', 'free'];

const { values: args } = parseArgs({
  options: { out: { type: 'string' }, tag: { type: 'string', default: '1' }, name: { type: 'string' }, tar: { type: 'string' }, push: { type: 'string' } },
});
const imageName = args.name ?? `k3ts.local/seed002:${args.tag}`;
if (!args.out) {
  console.error('usage: node build.mjs --out DIR [--tag 1] [--name k3ts.local/seed002:1] [--tar FILE] [--push HOST/NAME:TAG]');
  process.exit(2);
}

/** [path without leading '/', { mode, content } | { mode } (directory) | { link }] */
const files = new Map([
  ['bin/busybox', { mode: 0o755, content: readFileSync(BUSYBOX) }],
  ...APPLETS.map((a) => [`bin/${a}`, { link: 'busybox' }]),
  ['etc/passwd', { mode: 0o644, content: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') }],
  ['etc/group', { mode: 0o644, content: Buffer.from('root:x:0:\nnobody:x:65534:\n') }],
  ['tmp', { mode: 0o1777 }],
  ['root', { mode: 0o700 }],
  ...walk(join(HERE, 'www')).map((f) => [`var/www/${relative(join(HERE, 'www'), f)}`, {
    // Everything under cgi-bin/ is a program, whatever mode the checkout gave it.
    mode: f.includes('/cgi-bin/') ? 0o755 : 0o644, content: readFileSync(f),
  }]),
]);
for (const path of [...files.keys()]) {
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    if (!files.has(path.slice(0, i))) files.set(path.slice(0, i), { mode: 0o755 });
  }
}

const config = {
  // -vv logs each request's URL on stderr (-v alone skips CGI answers): `kubectl logs` shows who was served.
  Cmd: ['httpd', '-f', '-vv', '-p', '80', '-h', '/var/www'],
  Env: ['PATH=/bin'],
  ExposedPorts: { '80/tcp': {} },
};

const tar = writeTar([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
const layer = gzipSync(tar);
const configJson = Buffer.from(JSON.stringify({
  // The host's busybox is the image's only binary, so the image is for the host's architecture.
  architecture: { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' }[process.arch] ?? process.arch,
  os: 'linux', config, rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
}));
const manifest = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configJson), size: configJson.length },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
}));
const index = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{
    mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length,
    // ref.name is the tag in the layout (skopeo's oci:DIR:TAG); containerd's importer names the image by the other.
    annotations: { 'org.opencontainers.image.ref.name': args.tag, 'io.containerd.image.name': imageName },
  }],
}));

mkdirSync(join(args.out, 'blobs', 'sha256'), { recursive: true });
for (const blob of [layer, configJson, manifest]) writeFileSync(join(args.out, 'blobs', 'sha256', sha256(blob).slice(7)), blob);
writeFileSync(join(args.out, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
writeFileSync(join(args.out, 'index.json'), index);

if (args.tar) {
  const entries = walk(args.out).map((f) => [relative(args.out, f), { mode: 0o644, content: readFileSync(f) }]);
  entries.push(['blobs', { mode: 0o755 }], ['blobs/sha256', { mode: 0o755 }]);
  writeFileSync(args.tar, writeTar(entries.sort(([a], [b]) => (a < b ? -1 : 1))));
}
if (args.push) {
  execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false',
    `oci:${args.out}:${args.tag}`, `docker://${args.push}`], { stdio: 'inherit' });
}
console.log(sha256(manifest));

function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** ustar, fixed owner and mtime so the digest only changes when the content does. */
function writeTar(entries) {
  const parts = [];
  for (const [path, entry] of entries) {
    const h = Buffer.alloc(512);
    const name = entry.content || entry.link ? path : `${path}/`;
    if (Buffer.byteLength(name) > 100) throw new Error(`path too long for this small tar writer: ${name}`);
    h.write(name, 0);
    const field = (offset, length, value) => h.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset);
    field(100, 8, entry.link ? 0o777 : entry.mode);
    field(108, 8, 0);
    field(116, 8, 0);
    field(124, 12, entry.content ? entry.content.length : 0);
    field(136, 12, 0);
    h.write(entry.content ? '0' : entry.link ? '2' : '5', 156);
    if (entry.link) h.write(entry.link, 157);
    h.write('ustar\0' + '00', 257);
    h.fill(0x20, 148, 156);
    h.write(`${h.reduce((sum, b) => sum + b, 0).toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(h);
    if (entry.content) parts.push(entry.content, Buffer.alloc((512 - (entry.content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
