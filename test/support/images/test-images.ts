// The images real-container tests run, built once per test process and pushed once per registry, so
// a test file asks for them in one line and pays ~0.5 s the first time, nothing after.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildImage, busyboxFiles } from './oci-image.js';
import type { LocalRegistry } from './registry.js';

/** Image references, `127.0.0.1:PORT/k3ts-test/<name>:1`, ready to pull. */
export interface TestImages {
  /** A shell and the busybox tools; runs `sh`. */
  busybox: string;
  /** Serves /var/www on port 80; GET / answers `hello`. */
  busyboxHttpd: string;
  /** The seed-002 demo (examples/seed002-app): `Hello from <NODE_NAME>, visitor #N` on port 80. */
  seed002: string;
  /** Sleeps forever: the sandbox (pause) image for containerd, which cannot pull registry.k8s.io here. */
  pause: string;
}

const NAMES: Record<keyof TestImages, string> = {
  busybox: 'busybox', busyboxHttpd: 'busybox-httpd', seed002: 'seed002', pause: 'pause',
};
const TAG = '1';
const PATH_ENV = 'PATH=/usr/sbin:/usr/bin:/sbin:/bin';

let layouts: Promise<Record<keyof TestImages, string>> | undefined;
const pushed = new Map<string, Promise<TestImages>>();

/** Builds the images (once per process) and pushes them to `registry` (once per registry). */
export function ensureTestImages(registry: LocalRegistry): Promise<TestImages> {
  let images = pushed.get(registry.host);
  if (!images) {
    images = pushAll(registry);
    pushed.set(registry.host, images);
    images.catch(() => pushed.delete(registry.host));
  }
  return images;
}

/** The OCI layout directory of each image, tagged `1`: for tests that import rather than pull. */
export function testImageLayouts(): Promise<Record<keyof TestImages, string>> {
  layouts ??= buildAll();
  layouts.catch(() => { layouts = undefined; });
  return layouts;
}

async function pushAll(registry: LocalRegistry): Promise<TestImages> {
  const dirs = await testImageLayouts();
  const keys = Object.keys(NAMES) as Array<keyof TestImages>;
  const refs = await Promise.all(keys.map(async (key) => {
    const repoTag = `k3ts-test/${NAMES[key]}:${TAG}`;
    await registry.push(dirs[key], repoTag);
    return [key, `${registry.host}/${repoTag}`] as const;
  }));
  return Object.fromEntries(refs) as unknown as TestImages;
}

async function buildAll(): Promise<Record<keyof TestImages, string>> {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-images-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  const dir = (key: keyof TestImages) => join(root, NAMES[key]);
  const userland = busyboxFiles();
  await Promise.all([
    buildImage({ dir: dir('busybox'), tag: TAG, files: userland, config: { cmd: ['sh'], env: [PATH_ENV] } }),
    buildImage({
      dir: dir('busyboxHttpd'), tag: TAG,
      files: [...userland, { path: '/var/www/index.html', content: 'hello\n' }],
      config: { cmd: ['httpd', '-f', '-p', '80', '-h', '/var/www'], env: [PATH_ENV], exposedPorts: ['80/tcp'] },
    }),
    // Only the binary: a sandbox needs nothing else, and PID 1 ignores SIGTERM, which is fine
    // because sandboxes are stopped with SIGKILL.
    buildImage({
      dir: dir('pause'), tag: TAG,
      files: userland.filter((f) => f.path === '/bin/busybox'),
      config: { entrypoint: ['/bin/busybox', 'sleep', 'infinity'] },
    }),
    // The demo's own build script, so the tests run exactly what examples/seed002-app documents.
    promisify(execFile)(process.execPath, [repoFile('examples/seed002-app/build.mjs'), '--out', dir('seed002'), '--tag', TAG]),
  ]);
  return { busybox: dir('busybox'), busyboxHttpd: dir('busyboxHttpd'), seed002: dir('seed002'), pause: dir('pause') };
}

/** A file of the repository, found from here whether this runs from test/ (tsx) or dist/test/ (tsc). */
export function repoFile(relative: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) throw new Error(`${relative} not found above ${fileURLToPath(import.meta.url)}`);
  }
}
