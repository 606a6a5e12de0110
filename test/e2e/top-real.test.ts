// `kubectl top` with real containers (containerd, cgroup v1): a pod spinning in a loop under a
// 200m CPU limit shows about 200m, a pod holding 64 MiB shows it, and both agree with the
// containers' own cgroup counters read over a window of the same length. The pods run on the
// agent, so the API server reaches its kubelet through the tunnel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, kubectls } from './harness.js';
import { eventually, exec, k3tsBin, ok, sleep } from './cli-exec.js';
import { busyboxImageArchive, BUSYBOX_IMAGE, containerdSkipReason } from '../../src/runtime/containerd/test-containerd.js';

const skip = containerdSkipReason();

const pod = (name: string, command: string, resources: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    nodeSelector: { 'kubernetes.io/hostname': 'k3ts-agent-1' },
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', command], resources }],
  },
});

/** The container's cgroup directory under one v1 hierarchy, found by its id. */
function cgroupDir(hierarchy: 'cpuacct' | 'memory', containerId: string): string {
  const out = execFileSync('find', [`/sys/fs/cgroup/${hierarchy}/`, '-maxdepth', '8', '-type', 'd', '-name', `*${containerId}*`], { encoding: 'utf8' }).trim().split('\n')[0];
  if (!out) throw new Error(`no ${hierarchy} cgroup for container ${containerId}`);
  return out;
}

const milli = (cpu: string) => (cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);
const mebi = (mem: string) => (mem.endsWith('Mi') ? Number(mem.slice(0, -2)) : mem.endsWith('Ki') ? Number(mem.slice(0, -2)) / 1024 : Number(mem) / 2 ** 20);

if (skip) {
  console.log(`kubectl top with real containers skipped: ${skip}`);
  test('kubectl top with real containers', { skip }, () => undefined);
} else {
  describe('kubectl top with real containers', { timeout: 180_000 }, () => {
    let dir: string;
    let dataDir: string;
    let env: NodeJS.ProcessEnv;
    const kc = (args: string[], timeoutMs?: number) => exec(kubectls[0]!.bin, args, env, timeoutMs);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'k3ts-top-real-'));
      dataDir = join(dir, 'cluster');
      env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir, KUBECACHEDIR: join(dir, 'cache') };
      ok(await exec(k3tsBin, ['up', '--agents', '1', '--data-dir', dataDir, '--port', String(await freePort()), '--runtime', 'containerd'], {}, 150_000), 'k3ts up');
      const tar = join(dir, 'busybox.tar');
      writeFileSync(tar, busyboxImageArchive());
      ok(await exec(k3tsBin, ['image', 'import', tar, '--data-dir', dataDir]), 'k3ts image import');
      const manifest = join(dir, 'pods.yaml');
      writeFileSync(
        manifest,
        [
          pod('burner', 'while :; do :; done', { limits: { cpu: '200m', memory: '64Mi' } }),
          // dd fills a 64 MiB buffer, then blocks writing it to a pipe nobody reads: it holds it.
          pod('hog', 'dd if=/dev/zero bs=64M count=1 | sleep 3600', { limits: { cpu: '500m', memory: '192Mi' } }),
        ].map((p) => stringify(p)).join('---\n'),
      );
      ok(await kc(['apply', '-f', manifest]), 'apply');
      ok(await kc(['wait', '--for=condition=Ready', 'pod/burner', 'pod/hog', '--timeout=60s'], 70_000), 'wait');
    });

    after(async () => {
      if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir], {}, 120_000);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('top pod shows the burner at its 200m limit and the hog\'s 64 MiB, as their cgroups count them', async () => {
      const id = async (name: string) => ok(await kc(['get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].containerID}']), 'containerID').replace(/^containerd:\/\//, '');
      const burnerCpu = join(cgroupDir('cpuacct', await id('burner')), 'cpuacct.usage');
      const hogMem = cgroupDir('memory', await id('hog'));
      // The cgroup's own rate over 10 s, the kubelet's default reading interval (its window).
      const t0 = process.hrtime.bigint();
      const u0 = BigInt(readFileSync(burnerCpu, 'utf8').trim());
      await sleep(10_000);
      const u1 = BigInt(readFileSync(burnerCpu, 'utf8').trim());
      const cgroupMilli = Number(((u1 - u0) * 1000n) / (process.hrtime.bigint() - t0));
      const top = await eventually('top for both pods', 30_000, async () => {
        const r = await kc(['top', 'pod', '--containers']);
        return r.code === 0 && /burner/.test(r.stdout) && /hog/.test(r.stdout) ? r.stdout : undefined;
      });
      const row = (name: string) => top.split('\n').find((l) => l.startsWith(name))!.trim().split(/\s+/);
      const [, , burnerTop] = row('burner');
      console.log(`burner: kubectl top ${burnerTop}, cgroup ${cgroupMilli}m over 10 s`);
      assert.ok(Math.abs(milli(burnerTop!) - 200) <= 50, `burner at ${burnerTop}, expected ~200m`);
      assert.ok(Math.abs(milli(burnerTop!) - cgroupMilli) <= 0.1 * cgroupMilli, `kubectl top ${burnerTop} vs the cgroup's ${cgroupMilli}m`);

      const stat = readFileSync(join(hogMem, 'memory.stat'), 'utf8');
      const inactiveFile = Number(/^total_inactive_file (\d+)$/m.exec(stat)?.[1] ?? 0);
      const workingSet = (Number(readFileSync(join(hogMem, 'memory.usage_in_bytes'), 'utf8').trim()) - inactiveFile) / 2 ** 20;
      const [, , , hogTop] = row('hog');
      console.log(`hog: kubectl top ${hogTop}, cgroup working set ${workingSet.toFixed(1)}Mi`);
      assert.ok(mebi(hogTop!) >= 64 && mebi(hogTop!) <= 80, `hog at ${hogTop}, expected 64-80Mi`);
      assert.ok(Math.abs(mebi(hogTop!) - workingSet) <= 0.1 * workingSet, `kubectl top ${hogTop} vs the cgroup's ${workingSet}Mi`);

      const nodes = ok(await kc(['top', 'nodes']), 'top nodes');
      assert.match(nodes, /^k3ts-agent-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
      assert.match(nodes, /^k3ts-server\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
    });
  });
}
