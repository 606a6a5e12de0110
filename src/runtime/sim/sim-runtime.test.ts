import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SimRuntime, normalizeImage } from './sim-runtime.js';
import type { ContainerConfig, PodSandboxConfig } from '../types.js';
import { parseDuration } from './behaviour.js';

const sandboxConfig = (annotations: Record<string, string> = {}): PodSandboxConfig => ({
  name: 'p',
  namespace: 'default',
  uid: 'u1',
  attempt: 0,
  hostname: 'p',
  labels: {},
  annotations,
  hostNetwork: false,
  logDirectory: '/nowhere',
  portMappings: [],
});

const containerConfig = (over: Partial<ContainerConfig>): ContainerConfig => ({
  name: 'c',
  attempt: 0,
  image: 'busybox',
  command: [],
  args: [],
  envs: [],
  labels: {},
  annotations: {},
  mounts: [],
  logPath: 'c/0.log',
  ...over,
});

async function run(over: Partial<ContainerConfig>, annotations?: Record<string, string>) {
  const rt = new SimRuntime();
  await rt.updatePodCidr('10.42.0.0/24');
  const sb = await rt.runPodSandbox(sandboxConfig(annotations));
  const id = await rt.createContainer(sb, containerConfig(over));
  const stopped = new Promise<void>((resolve) => rt.subscribe((ev) => ev.containerId === id && ev.type === 'stopped' && resolve()));
  await rt.startContainer(id);
  return { rt, id, stopped };
}

async function logOf(rt: SimRuntime, id: string, opts = {}): Promise<string> {
  let out = '';
  for await (const chunk of rt.readLog(id, opts, new AbortController().signal)) out += chunk;
  return out;
}

describe('simulated containers', () => {
  const cases: Array<{ argv: Partial<ContainerConfig>; log: string; code: number; env?: Record<string, string> }> = [
    { argv: { command: ['echo', 'hi', 'there'] }, log: 'hi there\n', code: 0 },
    { argv: { command: ['sh', '-c'], args: ['echo $GREETING; exit 3'] }, env: { GREETING: 'hello' }, log: 'hello\n', code: 3 },
    { argv: { command: ['/bin/sh', '-ec', 'false || echo "rescued ${NOPE:-x}" && true'] }, log: 'rescued x\n', code: 0 },
    { argv: { command: ['sh', '-c', 'false && echo never'] }, log: '', code: 1 },
    { argv: { command: ['sh', '-c', "A=1; echo '$A' \"$A\"; echo hidden > /tmp/x"] }, log: '$A 1\n', code: 0 },
    { argv: { args: ['sh', '-c', 'printenv MY_NODE; hostname; exit'] }, env: { MY_NODE: 'node-a' }, log: 'node-a\np\n', code: 0 },
    { argv: { command: ['sh', '-c', 'echo -n a; echo b\nsleep 0.01; exit 7'] }, log: 'ab\n', code: 7 },
    { argv: { command: ['false'] }, log: '', code: 1 },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.argv)} prints ${JSON.stringify(c.log)} and exits ${c.code}`, async () => {
      const envs = Object.entries(c.env ?? {}).map(([key, value]) => ({ key, value }));
      const { rt, id, stopped } = await run({ ...c.argv, envs });
      await stopped;
      const st = await rt.containerStatus(id);
      assert.equal(st?.state, 'exited');
      assert.equal(st?.exitCode, c.code);
      assert.equal(st?.reason, c.code === 0 ? 'Completed' : 'Error');
      assert.equal(await logOf(rt, id), c.log);
    });
  }

  test('an unknown command (or none: the image entrypoint) runs until stopped, and SIGTERM ends it at once', async () => {
    for (const argv of [{}, { command: ['nginx', '-g', 'daemon off;'] }, { command: ['sh', '-c', 'echo up; while true; do sleep 1; done'] }]) {
      const { rt, id } = await run(argv);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal((await rt.containerStatus(id))?.state, 'running');
      await rt.stopContainer(id, 30);
      const st = await rt.containerStatus(id);
      assert.equal(st?.exitCode, 143);
    }
  });

  test('annotations: exit-after with exit-code, per container; ignore-sigterm waits for the grace period, then kills', async () => {
    const { rt, id, stopped } = await run({ name: 'app' }, { 'sim.k3ts.io/exit-after': '50ms', 'sim.k3ts.io/exit-code.app': '4' });
    const t0 = Date.now();
    await stopped;
    assert.ok(Date.now() - t0 >= 40);
    assert.equal((await rt.containerStatus(id))?.exitCode, 4);

    const slow = await run({}, { 'sim.k3ts.io/ignore-sigterm': 'true' });
    const t1 = Date.now();
    await slow.rt.stopContainer(slow.id, 0.1);
    assert.ok(Date.now() - t1 >= 90);
    assert.equal((await slow.rt.containerStatus(slow.id))?.exitCode, 137);
  });

  test('logs: tail, timestamps, and follow until the container exits', async () => {
    const { rt, id, stopped } = await run({ command: ['sh', '-c', 'echo one; echo two; sleep 0.05; echo three'] });
    const followed = logOf(rt, id, { follow: true });
    await stopped;
    assert.equal(await followed, 'one\ntwo\nthree\n');
    assert.equal(await logOf(rt, id, { tailLines: 1 }), 'three\n');
    assert.match(await logOf(rt, id, { tailLines: 1, timestamps: true }), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three\n$/);
  });

  test('a stopped sandbox stops its containers', async () => {
    const rt = new SimRuntime();
    await rt.updatePodCidr('10.42.0.0/24');
    const sb = await rt.runPodSandbox(sandboxConfig());
    const id = await rt.createContainer(sb, containerConfig({}));
    await rt.startContainer(id);
    await rt.stopPodSandbox(sb);
    assert.equal((await rt.containerStatus(id))?.state, 'exited');
    await assert.rejects(rt.createContainer(sb, containerConfig({})));
  });
});

test('image names are normalized as containerd reports them', () => {
  assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImage('bitnami/redis:7'), 'docker.io/bitnami/redis:7');
  assert.equal(normalizeImage('registry.k8s.io/pause:3.10'), 'registry.k8s.io/pause:3.10');
  assert.equal(normalizeImage('localhost:5000/app'), 'localhost:5000/app:latest');
});

test('durations', () => {
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration('soon'), undefined);
});
