// A throwaway image registry on 127.0.0.1 for real-container tests: containerd pulls what the test
// pushed, with no internet and nothing left behind. Debian's docker-registry (distribution 2.8) is
// run as our own child with a generated config; it must never outlive the test process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const SKOPEO_BIN = '/usr/bin/skopeo';
// setpriv (util-linux) sets PR_SET_PDEATHSIG and then execs the registry under the same PID, so the
// kernel kills the registry even when this process dies by SIGKILL and no exit handler runs.
const SETPRIV_BIN = '/usr/bin/setpriv';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface LocalRegistryOptions {
  /** Directory to create the registry's temp dir (config and storage) in; the OS temp dir by default. */
  root?: string;
  /** Require this user (htpasswd, basic auth) for pulls and pushes. */
  auth?: { username: string; password: string };
  /** Where to listen: 127.0.0.1 by default; the host's address on a `k3ts up` bridge for nodes in namespaces. */
  address?: string;
  /** A port chosen beforehand (nodes' registries.yaml names it before the registry runs); else a free one. */
  port?: number;
}

export class LocalRegistry {
  /** `ADDRESS:PORT`, the registry part of an image reference. */
  readonly host: string;
  readonly pid: number;
  readonly dir: string;
  #child: ChildProcess;
  #exited: Promise<void>;
  #stopping: Promise<void> | undefined;
  #pushes = 0;

  #auth: { username: string; password: string } | undefined;

  private constructor(host: string, dir: string, child: ChildProcess, exited: Promise<void>, auth?: { username: string; password: string }) {
    this.#auth = auth;
    this.host = host;
    this.dir = dir;
    this.pid = child.pid!;
    this.#child = child;
    this.#exited = exited;
  }

  /** Starts a registry on a free port and resolves once `GET /v2/` answers. */
  static async start(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
    if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: apt-get install docker-registry`);
    const dir = await mkdtemp(join(options.root ?? tmpdir(), 'k3ts-registry-'));
    try {
      // A free port can be taken by someone else before the registry binds it: try another.
      for (let attempt = 1; ; attempt++) {
        const started = await LocalRegistry.startOnce(dir, options);
        if (started instanceof LocalRegistry) return started;
        if (!started.portTaken || attempt === 3 || options.port) throw new Error(`docker-registry did not start: ${started.output || 'no output'}`);
      }
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Pushes the image tagged `tag` in an OCI layout to `<host>/<name>:<tag>`; returns the manifest
   * digest the registry now serves. skopeo rather than our own HTTP client: it is the tool these
   * machines were verified with, it costs ~80 ms for a 1 MB image, and it handles the upload
   * protocol (existing blobs, upload sessions, redirects) so we have no protocol code to get wrong.
   * --preserve-digests makes it fail rather than silently rewrite the manifest we built.
   */
  async push(layoutDir: string, ref: string): Promise<string> {
    const colon = ref.lastIndexOf(':');
    if (colon <= 0 || ref.slice(colon).includes('/')) throw new Error(`push needs "name:tag", got "${ref}"`);
    const tag = ref.slice(colon + 1);
    // skopeo splits `oci:<dir>:<tag>` at the first colon after the path; a colon in the path breaks it.
    if (layoutDir.includes(':')) throw new Error(`layout path must not contain ':': ${layoutDir}`);
    if (!existsSync(SKOPEO_BIN)) throw new Error(`${SKOPEO_BIN} is missing: apt-get install skopeo`);
    const digestFile = join(this.dir, `pushed-${++this.#pushes}.digest`);
    try {
      await promisify(execFile)(SKOPEO_BIN, [
        '--insecure-policy', 'copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false',
        ...(this.#auth ? ['--dest-creds', `${this.#auth.username}:${this.#auth.password}`] : []),
        '--digestfile', digestFile, `oci:${layoutDir}:${tag}`, `docker://${this.host}/${ref}`,
      ], { timeout: 60_000 });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
      throw new Error(`skopeo could not push ${layoutDir}:${tag} to ${this.host}/${ref}: ${stderr || (err as Error).message}`);
    }
    return (await readFile(digestFile, 'utf8')).trim();
  }

  /** Stops the registry (SIGTERM, then SIGKILL) and removes its storage. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#child.exitCode === null && this.#child.signalCode === null) {
        this.#child.kill('SIGTERM');
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await this.#exited;
        clearTimeout(timer);
      }
      live.delete(this.#child);
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.#stopping;
  }

  /** The name every long-running thing in this project stops by. */
  close(): Promise<void> {
    return this.stop();
  }

  private static async startOnce(dir: string, o: LocalRegistryOptions): Promise<LocalRegistry | Failed> {
    const { auth } = o;
    const host = `${o.address ?? '127.0.0.1'}:${o.port ?? (await freePort())}`;
    const configPath = join(dir, 'config.yml');
    let htpasswd: string | undefined;
    if (auth) {
      // The registry takes bcrypt only; Debian's crypt(3) (libxcrypt) makes it, through Python's binding.
      const hash = (await promisify(execFile)('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', auth.password])).stdout.trim();
      htpasswd = join(dir, 'htpasswd');
      await writeFile(htpasswd, `${auth.username}:${hash}\n`);
    }
    // JSON is YAML: no YAML writer needed. Plain HTTP on loopback; no health poller.
    await writeFile(configPath, JSON.stringify({
      version: '0.1',
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: join(dir, 'storage') }, delete: { enabled: true } },
      http: { addr: host, secret: randomBytes(16).toString('hex') },
      ...(htpasswd ? { auth: { htpasswd: { realm: 'k3ts-test', path: htpasswd } } } : {}),
    }));
    // REGISTRY_* variables override the config file; a developer's shell must not redirect our registry.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    const command = existsSync(SETPRIV_BIN)
      ? [SETPRIV_BIN, '--pdeathsig', 'KILL', '--', REGISTRY_BIN, 'serve', configPath]
      : [REGISTRY_BIN, 'serve', configPath];
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child, dir);

    let output = '';
    const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => { live.delete(child); resolve(); }));
    const spawnFailed = new Promise<Error>((resolve) => child.once('error', (err) => { live.delete(child); resolve(err); }));

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const gone = await Promise.race([exited.then(() => true), spawnFailed.then((e) => { output += e.message; return true; }), sleep(25).then(() => false)]);
      if (gone) return { portTaken: /address already in use/.test(output), output: output.trim() };
      if (await answers(`http://${host}/v2/`)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await exited;
        return { portTaken: false, output: `no answer on ${host} in ${START_TIMEOUT_MS} ms. ${output.trim()}` };
      }
    }
    // Output is still drained (a full pipe would block the registry), but a registry a test forgot to
    // stop must not keep the finished process alive: the exit hook and the death signal stop it.
    child.unref();
    (child.stdout as unknown as { unref(): void }).unref();
    (child.stderr as unknown as { unref(): void }).unref();
    return new LocalRegistry(host, dir, child, exited, auth);
  }
}

type Failed = { portTaken: boolean; output: string };

/** Registries still running (with their dirs), stopped synchronously if the process exits first. */
const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function track(child: ChildProcess, dir: string): void {
  live.set(child, dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [c, d] of live) {
      c.kill('SIGKILL');
      rmSync(d, { recursive: true, force: true });
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True once the registry's API root answers at all (200, or 401 if auth were on). */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || res.statusCode === 401);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
