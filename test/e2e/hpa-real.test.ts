// Seed 002's unfinished plan, end to end on real containers: the seed's app on a `k3ts up` cluster
// under a HorizontalPodAutoscaler; the example load generator drives its NodePort on every node;
// the autoscaler adds replicas (spread over the nodes) within a few sync periods, and takes them away
// once the load is gone and the (shortened) downscale window has passed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, kubectls, repoRoot } from './harness.js';
import { eventually, exec, k3tsBin, ok } from './cli-exec.js';
import { containerdSkipReason } from '../../src/runtime/containerd/test-containerd.js';
import type { UpNetwork } from '../../src/local-cluster/node-network.js';

const skip = containerdSkipReason();
const SYNC_SECONDS = 5;
const DOWNSCALE_WINDOW_SECONDS = 30;

interface Load {
  stats(): { total: number; byNode: Record<string, number> };
  stop(): Promise<void>;
}

if (skip) {
  console.log(`autoscaling under real load skipped: ${skip}`);
  test('autoscaling under real load', { skip }, () => undefined);
} else {
  describe('the seed-002 app scales out under load and back in after it', { timeout: 600_000 }, () => {
    let dir: string;
    let dataDir = '';
    let env: NodeJS.ProcessEnv;
    let network: UpNetwork;
    const kc = (args: string[], timeoutMs?: number) => exec(kubectls[0]!.bin, args, env, timeoutMs);
    const jsonpath = async (args: string[], path: string) => ok(await kc([...args, '-o', `jsonpath=${path}`]), `kubectl ${args.join(' ')}`);
    const replicas = async () => Number(await jsonpath(['get', 'hpa', 'test'], '{.status.desiredReplicas}'));

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'k3ts-hpa-real-'));
      dataDir = join(dir, 'cluster');
      env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache') };
      const tar = join(dir, 'seed002.tar');
      ok(await exec(process.execPath, [join(repoRoot, 'examples', 'seed002-app', 'build.mjs'), '--out', join(dir, 'seed002'), '--tar', tar]), 'build the seed002 image');
      ok(
        await exec(
          k3tsBin,
          ['up', '--agents', '2', '--data-dir', dataDir, '--port', String(await freePort()), '--runtime', 'containerd', '--',
            '--horizontal-pod-autoscaler-sync-period', `${SYNC_SECONDS}s`, '--horizontal-pod-autoscaler-downscale-stabilization', `${DOWNSCALE_WINDOW_SECONDS}s`],
          {},
          180_000,
        ),
        'k3ts up',
      );
      network = (JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as { network: UpNetwork }).network;
      ok(await exec(k3tsBin, ['image', 'import', tar, '--data-dir', dataDir]), 'k3ts image import');
      await eventually('the pod network on every node', 60_000, async () => {
        const v = await jsonpath(['get', 'nodes'], '{range .items[*]}{.status.conditions[?(@.type=="NetworkUnavailable")].status}{" "}{end}');
        return v.trim() === 'False False False' ? true : undefined;
      });
      // A CPU request, which utilization is measured against; httpd ignores SIGTERM, so a short grace.
      const manifest = readFileSync(join(repoRoot, 'examples', 'seed002-test.yaml'), 'utf8')
        .replace('            containers:', '            terminationGracePeriodSeconds: 2\n            containers:')
        .replace('                  ports:', '                  resources:\n                      requests:\n                          cpu: 20m\n                  ports:');
      writeFileSync(join(dir, 'seed002.yaml'), manifest);
      ok(await kc(['apply', '-f', join(dir, 'seed002.yaml')]), 'apply');
      ok(await kc(['rollout', 'status', 'deployment/test', '--timeout=120s'], 150_000), 'rollout status');
      ok(await kc(['autoscale', 'deployment', 'test', '--cpu-percent=50', '--min=2', '--max=6']), 'autoscale');
    });

    after(async () => {
      if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir], {}, 120_000);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('idle, it stays at 2 and reports utilization below the target', async () => {
      const targets = await eventually('the HPA measures the pods', 60_000, async () => {
        const t = (await kc(['get', 'hpa', 'test'])).stdout;
        return /cpu: \d+%\/50%/.test(t) ? t : undefined;
      });
      assert.equal(await replicas(), 2, targets);
    });

    test('under load it adds replicas within a few sync periods, on more than one node; without load it returns to 2', async () => {
      const { startLoad } = (await import(pathToFileURL(join(repoRoot, 'examples', 'seed002-app', 'load.mjs')).href)) as { startLoad(o: { urls: string[]; concurrency: number }): Load };
      const urls = network.nodes.map((n) => `http://${n.ip}:30080/`);
      const load = startLoad({ urls, concurrency: 8 });
      const started = Date.now();
      let scaledAt = 0;
      try {
        await eventually('more than 2 replicas', 90_000, async () => ((await replicas()) > 2 ? true : undefined));
        scaledAt = Date.now();
        ok(await kc(['rollout', 'status', 'deployment/test', '--timeout=90s'], 100_000), 'new replicas Ready');
        const readyAt = Date.now();
        const nodes = new Set((await jsonpath(['get', 'pods', '-l', 'app=test'], '{.items[*].spec.nodeName}')).split(' '));
        console.log(`hpa: load start → scale-out decided ${((scaledAt - started) / 1000).toFixed(1)} s, new pods Ready ${((readyAt - started) / 1000).toFixed(1)} s; ${await replicas()} replicas on ${[...nodes].join(', ')}; load ${JSON.stringify(load.stats())}`);
        assert.ok(nodes.size >= 2, `replicas spread over the nodes: ${[...nodes].join(', ')}`);
      } finally {
        await load.stop();
      }
      assert.ok(load.stats().total > 100, `the load generator got answers: ${JSON.stringify(load.stats())}`);
      const stoppedAt = Date.now();
      await eventually('back to 2 replicas', (DOWNSCALE_WINDOW_SECONDS + 60) * 1000, async () => ((await replicas()) === 2 ? true : undefined));
      const back = (Date.now() - stoppedAt) / 1000;
      console.log(`hpa: load stopped → back to 2 in ${back.toFixed(1)} s (window ${DOWNSCALE_WINDOW_SECONDS} s)`);
      assert.ok(back >= DOWNSCALE_WINDOW_SECONDS - SYNC_SECONDS, `not before the downscale window: ${back} s`);
    });
  });
}
