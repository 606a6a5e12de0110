// The containerd runtime against a private containerd this file starts (root, containerd, runc and
// the CNI plugins required; skipped with the reason otherwise): the shared conformance suite, then
// what only real processes show: OOM kills, start errors, cgroup settings, namespaces, security
// contexts, mounts, long log lines, streaming URLs, relist latency and adoption after a restart.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuntimeConformance, until } from '../conformance.js';
import type { ContainerConfig, ContainerEvent, PodSandboxConfig } from '../types.js';
import { ContainerdRuntime } from './containerd-runtime.js';
import { BUSYBOX_IMAGE, containerdSkipReason, startTestContainerd, type TestContainerd } from './test-containerd.js';

const skip = containerdSkipReason();

function runtimeFor(node: TestContainerd, o: { relistIntervalMs?: number } = {}): ContainerdRuntime {
  const p = node.paths;
  return new ContainerdRuntime({ socket: p.socket, cniConfDir: p.cniConfDir, cniIpamDir: p.cniIpamDir, bridgeName: node.bridgeName, cniBinDir: '/usr/lib/cni', cgroupParent: node.cgroupParent, ...o });
}

if (skip) {
  console.log(`containerd runtime tests skipped: ${skip}`);
  test('containerd runtime', { skip }, () => undefined);
} else {
  runRuntimeConformance('containerd', async () => {
    const node = await startTestContainerd();
    const runtime = runtimeFor(node);
    return {
      runtime,
      image: BUSYBOX_IMAGE,
      podCidr: node.podCidr,
      logRoot: node.paths.podLogs,
      realProcesses: true,
      cleanup: async () => {
        await runtime.close();
        await node.stop();
      },
    };
  });
  describe('containerd runtime: real processes', { timeout: 180_000 }, realOnly);
}

function realOnly(): void {
  let node: TestContainerd;
  let rt: ContainerdRuntime;
  let seq = 0;
  let networkMs = 0;

  before(async () => {
    node = await startTestContainerd();
    rt = runtimeFor(node, { relistIntervalMs: 1000 });
    const t0 = Date.now();
    await rt.updatePodCidr(node.podCidr);
    networkMs = Date.now() - t0;
  });
  after(async () => {
    await rt?.close();
    await node?.stop();
  });

  const sandboxConfig = (over: Partial<PodSandboxConfig> = {}): PodSandboxConfig => {
    const n = ++seq;
    return {
      name: `real-${n}`,
      namespace: 'test',
      uid: `uid-${n}`,
      attempt: 0,
      hostname: `real-${n}`,
      labels: {},
      annotations: {},
      hostNetwork: false,
      logDirectory: join(node.paths.podLogs, `test_real-${n}_uid-${n}`),
      portMappings: [],
      ...over,
    };
  };
  const containerConfig = (over: Partial<ContainerConfig>): ContainerConfig => ({
    name: 'main',
    attempt: 0,
    image: BUSYBOX_IMAGE,
    command: ['sh', '-c', 'sleep 3600'],
    args: [],
    envs: [],
    labels: {},
    annotations: {},
    mounts: [],
    logPath: 'main/0.log',
    ...over,
  });
  /** A pod with one started container; returns how long each step took. */
  const run = async (over: Partial<ContainerConfig> = {}, sb: Partial<PodSandboxConfig> = {}) => {
    const config = sandboxConfig(sb);
    const t0 = Date.now();
    const sandboxId = await rt.runPodSandbox(config);
    const t1 = Date.now();
    const id = await rt.createContainer(sandboxId, containerConfig(over), config);
    await rt.startContainer(id);
    return { id, sandboxId, config, sandboxMs: t1 - t0, containerMs: Date.now() - t1 };
  };
  const exited = (id: string) => until('the container to exit', async () => {
    const st = await rt.containerStatus(id);
    return st?.state === 'exited' && st;
  });
  const sh = async (id: string, script: string) => {
    const r = await rt.execSync(id, ['sh', '-c', script], 10);
    return { code: r.exitCode, out: r.stdout.toString().trim(), err: r.stderr.toString().trim() };
  };

  it('timings: sandbox, container create+start, stop with a grace period, sandbox stop and removal', async (t) => {
    const r = await run();
    const t0 = Date.now();
    await rt.stopContainer(r.id, 1);
    const stopMs = Date.now() - t0;
    const t1 = Date.now();
    await rt.stopPodSandbox(r.sandboxId);
    await rt.removePodSandbox(r.sandboxId);
    t.diagnostic(`containerd start ${node.startMs} ms, network ready after updatePodCidr ${networkMs} ms, sandbox ${r.sandboxMs} ms, create+start ${r.containerMs} ms, stop (1 s grace, SIGTERM ignored) ${stopMs} ms, sandbox stop+remove ${Date.now() - t1} ms`);
  });

  it('a container over its memory limit is OOMKilled', async () => {
    const r = await run({ command: ['sh', '-c', 'x=$(head -c 64000000 /dev/zero | tr "\\0" x); echo ${#x}'], resources: { memoryLimitBytes: 16 * 1024 * 1024 } });
    const st = await exited(r.id);
    assert.deepEqual([st.reason, st.exitCode], ['OOMKilled', 137]);
    await rt.removePodSandbox(r.sandboxId);
  });

  it('a command that does not exist fails to start: StartError with the reason', async () => {
    const config = sandboxConfig();
    const sandboxId = await rt.runPodSandbox(config);
    const id = await rt.createContainer(sandboxId, containerConfig({ command: ['no-such-command'] }), config);
    await assert.rejects(rt.startContainer(id), /no-such-command/);
    const st = await rt.containerStatus(id);
    assert.equal(st?.state, 'exited');
    assert.equal(st?.reason, 'StartError');
    assert.match(st?.message ?? '', /executable file not found/);
    assert.equal(st?.startedAt, undefined);
    await rt.removePodSandbox(sandboxId);
  });

  it('cgroup limits, its own PID namespace, the security context and a read-only mount are what the container sees', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-mount-'));
    try {
      chmodSync(dir, 0o755); // the container runs as uid 1000
      writeFileSync(join(dir, 'f'), 'from the host\n');
      const r = await run({
        mounts: [{ containerPath: '/data', hostPath: dir, readOnly: true }],
        resources: { cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 64 * 1024 * 1024 },
        security: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], readOnlyRootFilesystem: true, capabilities: { add: [], drop: ['ALL'] }, allowPrivilegeEscalation: false },
      });
      const cg = await sh(r.id, 'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/memory/memory.limit_in_bytes');
      assert.deepEqual(cg.out.split('\n'), ['512', '50000', '100000', String(64 * 1024 * 1024)]);
      // PID 1 is the container's own command, not the sandbox's pause process.
      assert.match((await sh(r.id, 'cat /proc/1/cmdline | tr "\\0" " "')).out, /^(sh|sleep) /);
      assert.equal((await sh(r.id, 'id -u; id -g; id -G')).out, '1000\n3000\n3000 4000');
      assert.equal((await sh(r.id, 'touch /x')).code, 1);
      assert.equal((await sh(r.id, 'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status | tr -s "\\t" " "')).out, 'CapEff: 0000000000000000\nNoNewPrivs: 1');
      assert.equal((await sh(r.id, 'cat /data/f')).out, 'from the host');
      assert.notEqual((await sh(r.id, 'echo > /data/g')).code, 0);
      await rt.removePodSandbox(r.sandboxId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an output line longer than containerd splits comes back whole; a last line without a newline gets one', async () => {
    const r = await run({ command: ['sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" a; echo; printf end'] });
    const st = await exited(r.id);
    const records = readFileSync(st.logPath!, 'utf8').split('\n').filter(Boolean);
    assert.ok(records.some((l) => l.split(' ')[2] === 'P'), 'containerd wrote partial records');
    let out = '';
    for await (const s of rt.readLog(r.id, {}, new AbortController().signal)) out += s;
    assert.equal(out, `${'a'.repeat(40000)}\nend\n`);
    await rt.removePodSandbox(r.sandboxId);
  });

  it('following a running container ends when the caller aborts', async () => {
    const r = await run({ command: ['sh', '-c', 'echo up; sleep 3600'] });
    const ac = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const s of rt.readLog(r.id, { follow: true }, ac.signal)) seen.push(s);
    })();
    await until('the first line', async () => seen.length > 0);
    ac.abort();
    await reading;
    assert.deepEqual(seen, ['up\n']);
    await rt.removePodSandbox(r.sandboxId);
  });

  it('exec, attach and port-forward are URLs on the stream server; execSync times out', async () => {
    const r = await run();
    const req = { tty: false, stdin: true, stdout: true, stderr: true };
    assert.match(await rt.streaming.exec(r.id, ['sh'], req), /^http:\/\/127\.0\.0\.1:\d+\/exec\/\S+$/);
    assert.match(await rt.streaming.attach(r.id, { ...req, tty: true }), /^http:\/\/127\.0\.0\.1:\d+\/attach\/\S+$/);
    assert.match(await rt.streaming.portForward(r.sandboxId, [80]), /^http:\/\/127\.0\.0\.1:\d+\/portforward\/\S+$/);
    const t0 = Date.now();
    await assert.rejects(rt.execSync(r.id, ['sleep', '30'], 1), /timeout|deadline/i);
    assert.ok(Date.now() - t0 < 10_000);
    await rt.removePodSandbox(r.sandboxId);
  });

  it('a relisted stopped event arrives within 2 s of the exit', async () => {
    const events: Array<ContainerEvent & { at: number }> = [];
    const unsubscribe = rt.subscribe((ev) => events.push({ ...ev, at: Date.now() }));
    try {
      const r = await run({ command: ['sh', '-c', 'sleep 1'] });
      const stopped = await until('a stopped event', async () => events.find((e) => e.containerId === r.id && e.type === 'stopped'), 10_000);
      const st = await rt.containerStatus(r.id);
      const lag = stopped.at - Date.parse(st!.finishedAt!);
      assert.ok(lag < 2000, `stopped reported ${lag} ms after the exit`);
      await rt.removePodSandbox(r.sandboxId);
    } finally {
      unsubscribe();
    }
  });

  it('a second runtime on the same socket (the agent restarted) finds the running pod and its container', async () => {
    const r = await run();
    const again = runtimeFor(node);
    try {
      // Before any list: it has to find the container's sandbox by itself.
      assert.equal((await again.containerStatus(r.id))?.sandboxId, r.sandboxId);
      const sandbox = (await again.listSandboxes()).find((s) => s.id === r.sandboxId);
      assert.equal(sandbox?.state, 'ready');
      assert.equal(sandbox?.name, r.config.name);
      const c = (await again.listContainers()).find((x) => x.id === r.id);
      assert.deepEqual([c?.state, c?.sandboxId, c?.name], ['running', r.sandboxId, 'main']);
      assert.equal((await sh(r.id, 'echo still here')).out, 'still here');
    } finally {
      await again.close();
    }
    await rt.removePodSandbox(r.sandboxId);
  });

  it('images: status, list, size, a missing image, a pull that cannot reach its registry', async () => {
    const busybox = await rt.images.imageStatus(BUSYBOX_IMAGE);
    assert.equal(busybox?.image, BUSYBOX_IMAGE);
    assert.match(busybox!.imageRef, /^sha256:[0-9a-f]{64}$/);
    assert.ok(busybox!.sizeBytes > 500_000);
    assert.equal(await rt.images.imageStatus('k3ts.local/not-here:1'), undefined);
    const names = (await rt.images.listImages()).flatMap((i) => i.names);
    assert.ok(names.includes(BUSYBOX_IMAGE) && names.includes('k3ts.local/pause:1'), names.join(' '));
    await assert.rejects(rt.images.pullImage('127.0.0.1:1/nothing:1'), /127\.0\.0\.1:1/);
    await rt.images.removeImage('k3ts.local/not-here:1');
    assert.match((await rt.images.imageFsInfo()).mountpoint, /overlayfs/);
  });
}
