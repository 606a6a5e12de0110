// Proves the offline image path end to end before any container test relies on it: images we write
// are read by the OCI tools a runtime uses, they run, the registry serves them under the digest we
// built, and neither the registry nor its files outlive the test process.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BUSYBOX_APPLETS, HOST_BUSYBOX } from './busybox-userland.js';
import { buildImage, busyboxFiles, findManifest, MEDIA_TYPES } from './oci-image.js';
import { LocalRegistry, REGISTRY_BIN, SKOPEO_BIN } from './registry.js';
import { writeTar } from '../../../src/images/tar.js';
import { ensureTestImages, repoFile, testImageLayouts } from './test-images.js';

const run = promisify(execFile);
const UMOCI = '/usr/bin/umoci';
const CHROOT = '/usr/sbin/chroot';
const CGI = repoFile('examples/seed002-app/www/cgi-bin/index.cgi');
const isRoot = process.getuid?.() === 0;

/** A reason to skip when a tool is not installed; never in CI, where a skip would hide a broken setup. */
function needs(...bins: string[]): string | false {
  const missing = bins.filter((b) => !existsSync(b));
  if (missing.length === 0 || process.env.CI) return false;
  return `not installed: ${missing.join(', ')} (apt-get install busybox-static umoci skopeo docker-registry)`;
}

const work = mkdtempSync(join(tmpdir(), 'k3ts-images-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('tar writer', () => {
  it('writes long paths, sticky directories and symlinks that GNU tar reads back', async () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(60)}/file`;
    const archive = join(work, 'unit.tar');
    writeFileSync(archive, writeTar([
      { type: 'dir', path: 'tmp', mode: 0o1777 },
      { type: 'file', path: long, mode: 0o640, content: Buffer.from('x'.repeat(700)) },
      { type: 'symlink', path: 'sh', target: 'busybox' },
    ]));
    const { stdout } = await run('tar', ['-tvf', archive]);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0]!, /^drwxrwxrwt root\/root .* tmp\/$/);
    assert.match(lines[1]!, new RegExp(`^-rw-r----- root/root +700 .* ${long}$`));
    assert.match(lines[2]!, /^lrwxrwxrwx .* sh -> busybox$/);
  });
});

describe('busybox image', { skip: needs(HOST_BUSYBOX, UMOCI, SKOPEO_BIN) }, () => {
  const dir = join(work, 'busybox');
  let manifestDigest = '';
  before(async () => {
    ({ manifestDigest } = await buildImage({ dir, tag: '1', files: busyboxFiles(), config: { cmd: ['sh'], env: ['PATH=/bin'] } }));
  });

  it('links only applets the host busybox has', async () => {
    const { stdout } = await run(HOST_BUSYBOX, ['--list']);
    const available = new Set(stdout.split('\n'));
    assert.deepEqual(BUSYBOX_APPLETS.filter((a) => !available.has(a)), []);
  });

  it('is a layout umoci and skopeo read, with our digest and config', async () => {
    await run(UMOCI, ['stat', '--image', `${dir}:1`]);
    const inspect = JSON.parse((await run(SKOPEO_BIN, ['inspect', `oci:${dir}:1`])).stdout) as Record<string, unknown>;
    assert.equal(inspect.Digest, manifestDigest);
    assert.equal(inspect.Architecture, 'amd64');
    assert.equal(inspect.Os, 'linux');
    const config = JSON.parse((await run(SKOPEO_BIN, ['inspect', '--config', `oci:${dir}:1`])).stdout) as { config: Record<string, unknown> };
    assert.deepEqual(config.config, { Env: ['PATH=/bin'], Cmd: ['sh'] });
  });

  it('unpacks to a root filesystem whose /bin/sh runs', async () => {
    const rootfs = join(work, 'busybox-rootfs');
    await run(UMOCI, ['raw', 'unpack', '--image', `${dir}:1`, rootfs]);
    assert.equal(readlinkSync(join(rootfs, 'bin/sh')), 'busybox');
    assert.equal(lstatSync(join(rootfs, 'tmp')).mode & 0o7777, 0o1777);
    assert.match(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'), /^root:x:0:0:/);
    // As root, run it as a container would see it; otherwise at least run the copied binary.
    const { stdout } = isRoot
      ? await run(CHROOT, [rootfs, '/bin/sh', '-c', 'echo hi from $(id -un) in $(pwd)'], { env: { PATH: '/bin' } })
      : await run(join(rootfs, 'bin/busybox'), ['echo', 'hi from root in /']);
    assert.equal(stdout, 'hi from root in /\n');
  });

  it('keeps config keys a runtime reads and other tags of the layout', async () => {
    const { manifestDigest: other } = await buildImage({
      dir, tag: 'web', files: [{ path: '/srv/a', content: 'a' }],
      config: { entrypoint: ['/bin/httpd'], cmd: ['-f'], env: ['A=1'], workingDir: '/srv', exposedPorts: ['80', '53/udp'] },
    });
    const config = JSON.parse((await run(SKOPEO_BIN, ['inspect', '--config', `oci:${dir}:web`])).stdout) as { config: Record<string, unknown> };
    assert.deepEqual(config.config, {
      Env: ['A=1'], Entrypoint: ['/bin/httpd'], Cmd: ['-f'], WorkingDir: '/srv', ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    });
    assert.equal((await findManifest(dir, '1')).digest, manifestDigest);
    assert.equal((await findManifest(dir, 'web')).digest, other);
  });
});

describe('seed002 CGI script', { skip: needs(HOST_BUSYBOX) }, () => {
  /** A fresh pod: its own /tmp (the script keeps the count in $TMPDIR). */
  const pod = (name: string) => {
    const tmp = join(work, name);
    mkdirSync(tmp);
    // What busybox httpd gives a CGI: its own environment plus the request's variables.
    return async () => (await run(HOST_BUSYBOX, ['sh', CGI], { env: { PATH: process.env.PATH, NODE_NAME: 'n1', REQUEST_METHOD: 'GET', TMPDIR: tmp } })).stdout;
  };

  it('answers with a CGI header and the node name, counting visitors', async () => {
    const visit = pod('cgi-sequential');
    assert.equal(await visit(), 'Content-Type: text/plain\r\n\r\nHello from n1, visitor #1\n');
    assert.equal(await visit(), 'Content-Type: text/plain\r\n\r\nHello from n1, visitor #2\n');
  });

  it('gives concurrent visitors distinct numbers', async () => {
    const visit = pod('cgi-concurrent');
    const bodies = await Promise.all(Array.from({ length: 12 }, visit));
    const numbers = bodies.map((b) => Number(/#(\d+)/.exec(b)![1])).sort((a, b) => a - b);
    assert.deepEqual(numbers, Array.from({ length: 12 }, (_, i) => i + 1));
  });
});

describe('seed002 image', { skip: needs(HOST_BUSYBOX, UMOCI) }, () => {
  it('serves the counter from its own busybox httpd, with NODE_NAME from the environment', async () => {
    const { seed002 } = await testImageLayouts();
    const rootfs = join(work, 'seed002-rootfs');
    await run(UMOCI, ['raw', 'unpack', '--image', `${seed002}:1`, rootfs]);
    const port = await freePort();
    const args = ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h'];
    const httpd = isRoot
      ? spawn(CHROOT, [rootfs, '/bin/busybox', ...args, '/var/www'], { env: { PATH: '/bin', NODE_NAME: 'node-a' } })
      : spawn(join(rootfs, 'bin/busybox'), [...args, join(rootfs, 'var/www')], { env: { PATH: process.env.PATH, NODE_NAME: 'node-a' } });
    try {
      assert.equal(await getText(`http://127.0.0.1:${port}/`), 'Hello from node-a, visitor #1\n');
      assert.equal(await getText(`http://127.0.0.1:${port}/any/dir/`), 'Hello from node-a, visitor #2\n');
    } finally {
      httpd.kill('SIGKILL');
    }
  });
});

describe('local registry', { skip: needs(HOST_BUSYBOX, REGISTRY_BIN, SKOPEO_BIN) }, () => {
  it('serves pushed images under the digests we built, then stops without a trace', async (t) => {
    const registry = await LocalRegistry.start({ root: work });
    try {
      const started = Date.now();
      const images = await ensureTestImages(registry);
      t.diagnostic(`${Object.keys(images).length} images ready in ${Date.now() - started} ms (layouts may have been built earlier)`);
      assert.equal(images.busybox, `${registry.host}/k3ts-test/busybox:1`);
      assert.equal(await ensureTestImages(registry), images, 'pushed once per registry');

      const layouts = await testImageLayouts();
      for (const [name, layout] of [['busybox', layouts.busybox], ['seed002', layouts.seed002]] as const) {
        const tags = JSON.parse(await getText(`http://${registry.host}/v2/k3ts-test/${name}/tags/list`)) as { tags: string[] };
        assert.deepEqual(tags.tags, ['1']);
        const served = await headDigest(`http://${registry.host}/v2/k3ts-test/${name}/manifests/1`);
        assert.equal(served, (await findManifest(layout, '1')).digest);
      }
      // A real client (what containerd does) reads it back over plain HTTP.
      const inspect = JSON.parse((await run(SKOPEO_BIN, ['inspect', '--tls-verify=false', '--config', `docker://${images.seed002}`])).stdout) as { config: { Cmd: string[] } };
      assert.deepEqual(inspect.config.Cmd, ['httpd', '-f', '-vv', '-p', '80', '-h', '/var/www']);
    } finally {
      await registry.stop();
    }
    assert.equal(isRunning(registry.pid), false);
    assert.equal(existsSync(registry.dir), false);
    await registry.stop(); // twice is harmless
  });

  for (const [how, ending] of [
    // It ends a second later, on its own: long enough for this test to see the registry running first.
    ['its process ends without stopping it', 'setTimeout(() => {}, 1000)'],
    ['its process is killed with SIGKILL', 'setInterval(() => {}, 1000)'],
  ] as const) {
    it(`is gone when ${how}`, async () => {
      const registryUrl = new URL('./registry.js', import.meta.url).href;
      const script = `const { LocalRegistry } = await import(${JSON.stringify(registryUrl)});
        const r = await LocalRegistry.start({ root: ${JSON.stringify(work)} }); console.log(r.pid, r.dir); ${ending};`;
      // The same loader (tsx or none) this file runs under, so the module resolves from test/ or dist/.
      const loader = process.execArgv.flatMap((a, i, all) => (a === '--import' ? [a, all[i + 1]!] : a.startsWith('--import=') ? [a] : []));
      const child = spawn(process.execPath, [...loader, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [pidText, dir] = (await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())))).trim().split(' ');
      const pid = Number(pidText);
      assert.ok(pid > 0 && isRunning(pid));
      if (ending.startsWith('setInterval')) child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const deadline = Date.now() + 5000;
      while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(isRunning(pid), false, `registry ${pid} outlived its parent`);
      // Only an exit that runs handlers can remove files; after SIGKILL the test's own dir goes.
      if (!ending.startsWith('setInterval')) assert.equal(existsSync(dir!), false);
    });
  }
});

/** False once the PID is gone or a zombie (killed, waiting only to be reaped by init). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** GET with retries while the server is still coming up. */
async function getText(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        get(url, { agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => {
            if (res.statusCode === 200) resolve(body); else reject(new Error(`${url}: ${res.statusCode} ${body}`));
          });
        }).once('error', reject);
      });
    } catch (err) {
      if (attempt >= 50 || !/ECONNREFUSED/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The digest a registry serves for a manifest, asked the way a runtime asks (OCI media type accepted). */
function headDigest(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'HEAD', agent: false, headers: { Accept: MEDIA_TYPES.manifest } }, (res) => {
      res.resume();
      if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
      else resolve(String(res.headers['docker-content-digest']));
    }).once('error', reject).end();
  });
}
