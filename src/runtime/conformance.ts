// One black-box suite every ContainerRuntime passes: it sees only the interface in types.ts, so the
// kubelet can rely on what is checked here whichever runtime a node runs. The commands it runs are
// ones the simulator interprets (sh -c with echo/exit/sleep/trap, see sim/README.md) and busybox
// executes, so the same expectations hold for both. What only real processes can show (memory
// limits, cgroups, /proc) is tested beside the real runtime instead.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { normalizeImage } from './image-name.js';
import type { ContainerConfig, ContainerEvent, ContainerRuntime, ContainerStatus, LogOptions, PodSandboxConfig } from './types.js';

export interface RuntimeSubject {
  runtime: ContainerRuntime;
  /** An image with /bin/sh and busybox's tools. */
  image: string;
  /** The node's pod range (each real node on one machine needs its own). */
  podCidr: string;
  /** Where the suite's pods put their log directories. */
  logRoot: string;
  /** Containers are real processes: stderr is its own stream, exec runs real commands. */
  realProcesses: boolean;
  /** Closes the runtime and removes whatever the suite left. */
  cleanup(): Promise<void>;
}

/** Called once for the suite; the runtime must start without a podCIDR. */
export type RuntimeFactory = () => Promise<RuntimeSubject>;

const LABEL = 'conformance.k3ts.io/case';

export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ipv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  assert.equal(parts.length, 4, `${ip} is not an IPv4 address`);
  return parts.reduce((n, p) => n * 256 + p!, 0);
}

export function runRuntimeConformance(name: string, factory: RuntimeFactory): void {
  describe(`${name}: ContainerRuntime conformance`, { timeout: 120_000 }, () => {
    let s: RuntimeSubject;
    let rt: ContainerRuntime;
    let sandboxes: string[] = [];
    let seq = 0;

    before(async () => {
      s = await factory();
      rt = s.runtime;
    });
    after(async () => {
      await s?.cleanup();
    });
    // Each case removes its pods, so one failure does not leave the next case a crowded node.
    afterEach(async () => {
      for (const id of sandboxes.splice(0)) await rt.removePodSandbox(id);
    });

    const network = async () => {
      if (!(await rt.status()).networkReady) await rt.updatePodCidr(s.podCidr);
    };

    const sandboxConfig = (over: Partial<PodSandboxConfig> = {}): PodSandboxConfig => {
      const n = ++seq;
      const uid = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      return {
        name: `pod-${n}`,
        namespace: 'conformance',
        uid,
        attempt: 0,
        hostname: `pod-${n}`,
        labels: { [LABEL]: String(n) },
        annotations: {},
        hostNetwork: false,
        logDirectory: join(s.logRoot, `conformance_pod-${n}_${uid}`),
        portMappings: [],
        ...over,
      };
    };

    const pod = async (over: Partial<PodSandboxConfig> = {}) => {
      await network();
      const config = sandboxConfig(over);
      const id = await rt.runPodSandbox(config);
      sandboxes.push(id);
      return { id, config };
    };

    const containerConfig = (over: Partial<ContainerConfig>): ContainerConfig => {
      const name = over.name ?? 'main';
      return { name, attempt: 0, image: s.image, command: [], args: [], envs: [], labels: { [LABEL]: name }, annotations: {}, mounts: [], logPath: `${name}/0.log`, ...over };
    };

    /** Creates and starts a container in a new pod (or the given one). */
    const run = async (over: Partial<ContainerConfig>, p?: { id: string; config: PodSandboxConfig }) => {
      const sb = p ?? (await pod());
      const id = await rt.createContainer(sb.id, containerConfig(over), sb.config);
      await rt.startContainer(id);
      return { id, sandbox: sb };
    };

    const exited = (id: string) => until(`container ${id.slice(0, 12)} to exit`, async () => {
      const st = await rt.containerStatus(id);
      return st?.state === 'exited' && st;
    });

    const logOf = async (id: string, opts: LogOptions = {}) => {
      let out = '';
      for await (const chunk of rt.readLog(id, opts, new AbortController().signal)) out += chunk;
      return out;
    };

    it('names itself with a version', async () => {
      const v = await rt.version();
      assert.ok(v.name && v.version, JSON.stringify(v));
    });

    it('has no pod network before the node has a podCIDR, and has one after updatePodCidr', async () => {
      const before = await rt.status();
      assert.equal(before.runtimeReady, true);
      assert.equal(before.networkReady, false);
      assert.ok(before.networkMessage, 'says why the network is not ready');
      await rt.updatePodCidr(s.podCidr);
      assert.deepEqual(await rt.status(), { runtimeReady: true, networkReady: true });
    });

    it('gives a sandbox an address inside the podCIDR (not the network or gateway address) and lists it with its labels', async () => {
      const { id, config } = await pod();
      const st = await rt.podSandboxStatus(id);
      assert.ok(st);
      assert.equal(st.state, 'ready');
      assert.deepEqual([st.name, st.namespace, st.uid, st.attempt], [config.name, config.namespace, config.uid, 0]);
      assert.equal(st.labels[LABEL], config.labels[LABEL]);
      assert.ok(!Number.isNaN(Date.parse(st.createdAt)));
      const [net, bits] = s.podCidr.split('/') as [string, string];
      const offset = ipv4(st.ip) - ipv4(net);
      assert.ok(offset >= 2 && offset < 2 ** (32 - Number(bits)) - 1, `${st.ip} is a pod address in ${s.podCidr}`);
      const listed = (await rt.listSandboxes()).find((x) => x.id === id);
      assert.deepEqual(listed, st);
      const second = await pod();
      assert.notEqual((await rt.podSandboxStatus(second.id))?.ip, st.ip);
    });

    it('a host-network sandbox has no pod address', async () => {
      const { id } = await pod({ hostNetwork: true });
      assert.equal((await rt.podSandboxStatus(id))?.ip, '');
    });

    it('a container that prints and exits 3 is exited with code 3, reason Error, and its line in the log', async () => {
      const { id, sandbox } = await run({ command: ['sh', '-c', 'echo "hello $WHO"; exit 3'], envs: [{ key: 'WHO', value: 'conformance' }] });
      const st = await exited(id);
      assert.equal(st.exitCode, 3);
      assert.equal(st.reason, 'Error');
      assert.equal(st.sandboxId, sandbox.id);
      assert.equal(st.name, 'main');
      assert.equal(st.image, normalizeImage(s.image));
      assert.ok(st.startedAt && st.finishedAt && Date.parse(st.createdAt) <= Date.parse(st.finishedAt));
      assert.equal(await logOf(id), 'hello conformance\n');
    });

    it('exit 0 is reason Completed', async () => {
      const { id } = await run({ command: ['sh', '-c', 'true'] });
      const st = await exited(id);
      assert.deepEqual([st.exitCode, st.reason], [0, 'Completed']);
    });

    it('stop sends SIGTERM first: a container that handles it exits at once with 143', async () => {
      const { id } = await run({ command: ['sh', '-c', 'trap "exit 143" TERM; sleep 3600 & wait'] });
      await until('the container to run', async () => (await rt.containerStatus(id))?.state === 'running');
      const t0 = Date.now();
      await rt.stopContainer(id, 30);
      assert.ok(Date.now() - t0 < 10_000, 'did not wait for the grace period');
      const st = await rt.containerStatus(id);
      assert.deepEqual([st?.state, st?.exitCode], ['exited', 143]);
    });

    it('a container that ignores SIGTERM is killed after the grace period, with 137', async () => {
      // A shell as PID 1 has no default SIGTERM action: the kernel drops the signal. The annotation
      // tells the simulator to behave the same.
      const p = await pod({ annotations: { 'sim.k3ts.io/ignore-sigterm': 'true' } });
      const { id } = await run({ command: ['sh', '-c', 'sleep 3600'] }, p);
      const t0 = Date.now();
      await rt.stopContainer(id, 1);
      const took = Date.now() - t0;
      assert.ok(took >= 900 && took < 15_000, `stop took ${took} ms for a 1 s grace period`);
      const st = await rt.containerStatus(id);
      assert.deepEqual([st?.state, st?.exitCode], ['exited', 137]);
      await rt.stopContainer(id, 1); // stopping an exited container is fine
    });

    it('lists containers with their labels, sandbox and attempt; remove is idempotent', async () => {
      const p = await pod();
      const a = await run({ name: 'a', command: ['sh', '-c', 'sleep 3600'] }, p);
      const b = await rt.createContainer(p.id, containerConfig({ name: 'b', attempt: 2, command: ['sh', '-c', 'true'] }), p.config);
      const listed = await rt.listContainers();
      const byId = new Map(listed.map((c) => [c.id, c]));
      assert.deepEqual(pick(byId.get(a.id)), { name: 'a', attempt: 0, sandboxId: p.id, state: 'running', label: 'a' });
      assert.deepEqual(pick(byId.get(b)), { name: 'b', attempt: 2, sandboxId: p.id, state: 'created', label: 'b' });
      await rt.removeContainer(a.id);
      await rt.removeContainer(a.id);
      assert.equal(await rt.containerStatus(a.id), undefined);
      assert.ok(!(await rt.listContainers()).some((c) => c.id === a.id));
      await rt.removeContainer('0'.repeat(64));
    });

    it('reports created, started, stopped and deleted to subscribers', async () => {
      const events: ContainerEvent[] = [];
      const unsubscribe = rt.subscribe((ev) => events.push(ev));
      try {
        const { id, sandbox } = await run({ command: ['sh', '-c', 'true'] });
        const of = () => events.filter((e) => e.containerId === id).map((e) => e.type);
        await until('created, started and stopped events', async () => of().includes('stopped'));
        assert.deepEqual(of(), ['created', 'started', 'stopped']);
        assert.ok(events.filter((e) => e.containerId === id).every((e) => e.sandboxId === sandbox.id));
        await rt.removeContainer(id);
        await until('a deleted event', async () => of().includes('deleted'));
      } finally {
        unsubscribe();
      }
    });

    it('execSync returns the output and exit code of a command in a running container', async () => {
      const { id } = await run({ command: ['sh', '-c', 'sleep 3600'] });
      const r = await rt.execSync(id, ['sh', '-c', 'echo out; exit 2'], 10);
      assert.equal(r.exitCode, 2);
      assert.equal(r.stdout.toString(), 'out\n');
      if (s.realProcesses) {
        const e = await rt.execSync(id, ['sh', '-c', 'echo err >&2'], 10);
        assert.deepEqual([e.exitCode, e.stdout.toString(), e.stderr.toString()], [0, '', 'err\n']);
      }
    });

    it('logs: tailLines, limitBytes, timestamps, sinceMs, and follow until the container exits', async () => {
      const { id } = await run({ command: ['sh', '-c', 'echo one; echo two; echo three'] });
      await exited(id);
      assert.equal(await logOf(id), 'one\ntwo\nthree\n');
      assert.equal(await logOf(id, { tailLines: 2 }), 'two\nthree\n');
      assert.equal(await logOf(id, { limitBytes: 6 }), 'one\ntw');
      const stamped = await logOf(id, { tailLines: 1, timestamps: true });
      assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d) three\n$/);
      const at = Date.parse(stamped.split(' ')[0]!);
      assert.ok(Math.abs(at - Date.now()) < 60_000, `log time ${stamped} is about now`);
      assert.equal(await logOf(id, { sinceMs: Date.now() + 60_000 }), '');
      assert.equal(await logOf(id, { sinceMs: at - 60_000, tailLines: 1 }), 'three\n');

      const f = await run({ command: ['sh', '-c', 'echo first; sleep 1; echo second'] });
      const t0 = Date.now();
      assert.equal(await logOf(f.id, { follow: true }), 'first\nsecond\n');
      assert.ok(Date.now() - t0 < 10_000);
    });

    it('stopping a sandbox stops its containers and leaves it notready', async () => {
      const p = await pod();
      const { id } = await run({ command: ['sh', '-c', 'sleep 3600'] }, p);
      await rt.stopPodSandbox(p.id);
      assert.equal((await rt.containerStatus(id))?.state, 'exited');
      assert.equal((await rt.podSandboxStatus(p.id))?.state, 'notready');
      await rt.stopPodSandbox(p.id);
    });

    it('removing a sandbox removes its containers; removing it again is fine', async () => {
      const p = await pod();
      const { id } = await run({ command: ['sh', '-c', 'sleep 3600'] }, p);
      await rt.removePodSandbox(p.id);
      assert.equal(await rt.podSandboxStatus(p.id), undefined);
      assert.equal(await rt.containerStatus(id), undefined);
      assert.ok(!(await rt.listSandboxes()).some((x) => x.id === p.id));
      assert.ok(!(await rt.listContainers()).some((c) => c.id === id));
      await rt.removePodSandbox(p.id);
      await rt.stopPodSandbox(p.id);
    });

    it('knows the image it runs', async () => {
      const img = await rt.images.imageStatus(s.image);
      assert.ok(img);
      assert.ok(img.names.includes(normalizeImage(s.image)), JSON.stringify(img.names));
      assert.ok(img.imageRef);
    });
  });
}

function pick(c: ContainerStatus | undefined) {
  return c && { name: c.name, attempt: c.attempt, sandboxId: c.sandboxId, state: c.state, label: c.labels[LABEL] };
}
