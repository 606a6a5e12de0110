// A real containerd for tests, in a temp dir: its own config, socket and stream server on
// 127.0.0.1, the pause image and a busybox image made from the machine's static /bin/busybox, and
// host-network pods run straight over CRI (no CNI, so nothing on the host's network changes).
// close() removes every pod, stops containerd and any shim it left (by PID), and the temp dir.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOciArchive } from '../../src/images/oci-archive.js';
import { importImageArchive } from '../../src/images/import.js';
import { containerdConfig, containerdPaths } from '../../src/runtime/containerd/config.js';
import { connectCri, type CriClient } from '../../src/runtime/containerd/cri/client.js';
import { PAUSE_IMAGE, pauseImageArchive } from '../../src/runtime/containerd/pause-image.js';
import { ContainerdSupervisor } from '../../src/runtime/containerd/supervisor.js';
import type { StreamingService } from '../../src/runtime/types.js';

export const BUSYBOX_IMAGE = 'k3ts.local/busybox:test';
/** What `httpd -h /www` serves in the busybox image. */
export const WWW_INDEX = 'hello from inside the pod\n';

/** Why containerd tests cannot run here, or undefined when they can. */
export function containerdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'containerd tests need root';
  for (const bin of ['containerd', 'ctr', 'runc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `${bin} is not installed`;
    }
  }
  if (!existsSync('/bin/busybox')) return '/bin/busybox (busybox-static) is not installed';
  return undefined;
}

export interface TestContainer {
  name: string;
  command: string[];
  stdin?: boolean;
  tty?: boolean;
}

export interface TestPod {
  sandboxId: string;
  containers: Record<string, string>;
}

export interface ContainerdFixture {
  readonly cri: CriClient;
  /** CRI streaming over this containerd (what the containerd runtime class will offer). */
  readonly streaming: StreamingService;
  runPod(name: string, containers: TestContainer[]): Promise<TestPod>;
  close(): Promise<void>;
}

function busyboxArchive(): Buffer {
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  return buildOciArchive({
    name: BUSYBOX_IMAGE,
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    files: [
      { path: 'bin' },
      { path: 'bin/busybox', content: readFileSync('/bin/busybox'), mode: 0o755 },
      ...applets.map((a) => ({ path: `bin/${a}`, symlink: 'busybox' })),
      { path: 'tmp', mode: 0o1777 },
      { path: 'www' },
      { path: 'www/index.html', content: Buffer.from(WWW_INDEX) },
    ],
    config: { env: ['PATH=/bin'], cmd: ['sh'] },
  }).tar;
}

export async function startContainerd(): Promise<ContainerdFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-ctrd-'));
  const paths = containerdPaths(dir);
  mkdirSync(paths.dir, { recursive: true });
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(paths.config, containerdConfig({ paths, streamAddress: '127.0.0.1', cniBinDir: '/usr/lib/cni', sandboxImage: PAUSE_IMAGE }));
  const supervisor = new ContainerdSupervisor({ paths, log: () => undefined });
  const sandboxes: string[] = [];
  let cri: CriClient | undefined;
  const close = async () => {
    if (cri) {
      for (const id of sandboxes) {
        await cri.runtime.StopPodSandbox!({ podSandboxId: id }).catch(() => undefined);
        await cri.runtime.RemovePodSandbox!({ podSandboxId: id }).catch(() => undefined);
      }
      cri.close();
    }
    await supervisor.stop();
    process.off('exit', onExit);
    killShimsOf(paths.socket);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without close() must not leave containerd running.
  const onExit = () => {
    if (supervisor.pid) {
      try {
        process.kill(supervisor.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    killShimsOf(paths.socket);
  };
  process.once('exit', onExit);
  try {
    await supervisor.start();
    cri = connectCri(paths.socket);
    for (const [name, tar] of [['pause', pauseImageArchive()], ['busybox', busyboxArchive()]] as const) {
      const file = join(dir, `${name}.tar`);
      writeFileSync(file, tar);
      await importImageArchive({ socket: paths.socket, file });
    }
  } catch (err) {
    await close();
    throw err;
  }
  const c = cri;
  const streaming: StreamingService = {
    exec: async (id, cmd, r) => (await c.runtime.Exec!({ containerId: id, cmd, tty: r.tty, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr })).url,
    attach: async (id, r) => (await c.runtime.Attach!({ containerId: id, tty: r.tty, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr })).url,
    portForward: async (id, ports) => (await c.runtime.PortForward!({ podSandboxId: id, port: ports })).url,
  };
  return {
    cri: c,
    streaming,
    async runPod(name, containers) {
      // Host network: no CNI, so the test leaves the host's network as it was.
      const hostNode = { namespaceOptions: { network: 'NODE' } };
      const config = {
        metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
        // No hostname: a host-network pod has the host's UTS namespace, where runc may not set one.
        logDirectory: join(dir, 'logs', name),
        labels: {},
        annotations: {},
        linux: { securityContext: hostNode },
      };
      const { podSandboxId } = await c.runtime.RunPodSandbox!({ config }, { deadlineMs: 60_000 });
      sandboxes.push(podSandboxId);
      const ids: Record<string, string> = {};
      for (const ct of containers) {
        const { containerId } = await c.runtime.CreateContainer!({
          podSandboxId,
          config: {
            metadata: { name: ct.name, attempt: 0 },
            image: { image: BUSYBOX_IMAGE },
            command: ct.command,
            envs: [{ key: 'PATH', value: '/bin' }],
            logPath: `${ct.name}.log`,
            stdin: ct.stdin ?? false,
            tty: ct.tty ?? false,
            linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
          },
          sandboxConfig: config,
        });
        await c.runtime.StartContainer!({ containerId });
        ids[ct.name] = containerId;
      }
      return { sandboxId: podSandboxId, containers: ids };
    },
    close,
  };
}

/** Shims of this containerd outlive it when a container did not go; they name its socket. */
function killShimsOf(socket: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('containerd-shim') && cmdline.includes(socket)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

/** Rootfs overlays and shm mounts that a killed containerd left under the temp dir. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
