// `kubectl top` on a simulated `k3ts up` cluster, with kubectl 1.32 and 1.35: metrics.k8s.io is
// discovered, every node and every running pod's containers have a row, selectors narrow them, and
// a node whose agent stops answering is left out of the list instead of failing it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, kubectls } from './harness.js';
import { eventually, exec, k3tsBin, ok } from './cli-exec.js';
import { readUpState } from '../../src/local-cluster/state.js';

const deployment = (name: string, replicas: number, cpu: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: 'main', image: 'busybox', command: ['sh', '-c', 'while :; do :; done'], resources: { requests: { cpu }, limits: { cpu, memory: '64Mi' } } },
          { name: 'sidecar', image: 'busybox', command: ['sleep', 'infinity'] },
        ],
      },
    },
  },
});

/** Table rows of `kubectl top` (header dropped), split on whitespace. */
const rows = (out: string) => out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));

describe('kubectl top on a simulated cluster', { timeout: 120_000 }, () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-top-'));
    dataDir = join(dir, 'cluster');
    env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir };
    ok(await exec(k3tsBin, ['up', '--agents', '2', '--data-dir', dataDir, '--port', String(await freePort()), '--runtime', 'sim']), 'k3ts up');
    const manifest = join(dir, 'deploy.yaml');
    writeFileSync(manifest, [deployment('burn', 3, '200m'), deployment('idle', 2, '50m')].map((d) => stringify(d)).join('---\n'));
    ok(await exec(kubectls[0]!.bin, ['apply', '-f', manifest], { ...env, KUBECACHEDIR: join(dir, 'cache-apply') }), 'apply');
  });

  after(async () => {
    if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const k of kubectls) {
    test(`${k.name}: top nodes and top pods -A --containers show every node and container`, async () => {
      // A fresh discovery cache: metrics.k8s.io must be found by discovery itself.
      const kenv = { ...env, KUBECACHEDIR: join(dir, `cache-${k.name.replace(/\W+/g, '-')}`) };
      const kc = (args: string[]) => exec(k.bin, args, kenv);
      // kubectl lists a node without metrics (yet: a rate needs one window) as <unknown>.
      const nodes = await eventually('3 measured node rows', 30_000, async () => {
        const r = await kc(['top', 'nodes']);
        return r.code === 0 && rows(r.stdout).length === 3 && !r.stdout.includes('<unknown>') ? rows(r.stdout) : undefined;
      });
      assert.deepEqual(nodes.map((r) => r[0]).sort(), ['k3ts-agent-1', 'k3ts-agent-2', 'k3ts-server']);
      for (const [, cpu, cpuPct, mem, memPct] of nodes) {
        assert.match(cpu!, /^\d+m$/);
        assert.match(cpuPct!, /^\d+%$/);
        assert.match(mem!, /^\d+Mi$/);
        assert.match(memPct!, /^\d+%$/);
      }
      const pods = await eventually('10 container rows', 30_000, async () => {
        const r = await kc(['top', 'pods', '-A', '--containers']);
        return r.code === 0 && rows(r.stdout).length === 10 ? rows(r.stdout) : undefined;
      });
      for (const [ns, , container, cpu, mem] of pods) {
        assert.equal(ns, 'default');
        assert.ok(container === 'main' || container === 'sidecar');
        assert.match(cpu!, /^\d+m$/);
        assert.match(mem!, /^\d+Mi$/);
        // The simulator's containers never use more than their limit (200m for burn's main).
        assert.ok(Number(cpu!.slice(0, -1)) <= 200, `${cpu} above every limit`);
      }
      const burn = rows(ok(await kc(['top', 'pods', '-l', 'app=burn']), 'top -l'));
      assert.equal(burn.length, 3);
      // Around half the 200m limit (the simulator's level), plus a few millicores of sidecar.
      for (const [, cpu] of burn) assert.ok(Number(cpu!.slice(0, -1)) >= 50 && Number(cpu!.slice(0, -1)) <= 210, `a 200m pod at ${cpu}`);
      const one = burn[0]![0]!;
      assert.match(ok(await kc(['top', 'pod', one, '--containers']), 'top pod'), new RegExp(`^${one}\\s+main\\s+\\d+m\\s+\\d+Mi`, 'm'));
      assert.equal(rows(ok(await kc(['top', 'node', 'k3ts-server']), 'top node')).length, 1);
      const missing = await kc(['top', 'pod', 'no-such-pod']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /NotFound|not found/);
    });
  }

  test('a node whose agent stops answering is left out; the others still list', async () => {
    const kc = (args: string[]) => exec(kubectls[1]!.bin, args, { ...env, KUBECACHEDIR: join(dir, 'cache-stop') });
    const agent = readUpState(dataDir)!.processes.find((p) => p.role.includes('2'))!;
    // Stopped, not killed: its tunnel stays open, so the API server has to give up on it by time.
    process.kill(agent.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const r = await kc(['top', 'nodes']);
      assert.equal(r.code, 0, r.stderr);
      const names = rows(r.stdout).map((row) => row[0]);
      assert.ok(!names.includes('k3ts-agent-2') || /<unknown>/.test(r.stdout), r.stdout);
      assert.ok(names.includes('k3ts-server') && names.includes('k3ts-agent-1'), r.stdout);
      assert.ok(Date.now() - started < 15_000, 'one silent node costs at most its deadline');
      const pods = await kc(['top', 'pods', '-A']);
      assert.equal(pods.code, 0, pods.stderr);
    } finally {
      process.kill(agent.pid, 'SIGCONT');
    }
  });
});
