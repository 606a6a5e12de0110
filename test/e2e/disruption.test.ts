// PodDisruptionBudgets with real kubectl on a one-node simulated `k3ts up` cluster: `kubectl create pdb`
// and its table, upstream's refusal of minAvailable with maxUnavailable, and evictions that honour
// the budget. A Deployment of 3 under minAvailable 2 may lose one pod: `kubectl drain` evicts
// exactly one, is refused (429) for the others and gives up at its timeout, since the replacement
// cannot start on the cordoned node. The eviction API itself (kubectl create --raw) then shows one
// eviction passing and the next refused with upstream's message, and, once the budget is gone,
// an eviction that simply deletes the pod.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kubectls } from './harness.js';
import { eventually, exec, k3tsBin, ok, type Result } from './cli-exec.js';

const refusal = "Cannot evict pod as it would violate the pod's disruption budget.";
const node = 'k3ts-server';

describe('PodDisruptionBudget and eviction on a simulated cluster', { timeout: 90_000 }, () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  // kubectl 1.32 creates, validates and drains; kubectl 1.35 drives the eviction API.
  const kc = (args: string[], k = 0, timeoutMs = 30_000): Promise<Result> =>
    exec(kubectls[k]!.bin, args, { ...env, KUBECACHEDIR: join(dir, `cache-${k}`) }, timeoutMs);
  const get = async (args: string[]) => ok(await kc(['get', ...args]), `kubectl get ${args.join(' ')}`);
  const allowed = async () => Number(await get(['pdb', 'web', '-o', 'jsonpath={.status.disruptionsAllowed}']));
  const runningPods = async () => (await get(['pods', '-l', 'app=web', '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean);
  const evict = (pod: string) => {
    const body = join(dir, `evict-${pod}.json`);
    writeFileSync(body, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' } }));
    return kc(['create', '--raw', `/api/v1/namespaces/default/pods/${pod}/eviction`, '-f', body], 1);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-pdb-'));
    dataDir = join(dir, 'cluster');
    env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir };
    ok(await exec(k3tsBin, ['up', '--agents', '0', '--data-dir', dataDir, '--port', String(await freePort()), '--runtime', 'sim']), 'k3ts up');
  });

  after(async () => {
    if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl create pdb, its columns and status; both minAvailable and maxUnavailable refused', async () => {
    ok(await kc(['create', 'deployment', 'web', '--image=nginx', '--replicas=3']), 'create deployment');
    assert.equal(ok(await kc(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2']), 'create pdb').trim(), 'poddisruptionbudget.policy/web created');
    const table = await eventually('the budget to allow one disruption', 30_000, async () => {
      const out = await get(['pdb']);
      return /^web\s+2\s+N\/A\s+1\s+\d+s$/m.test(out) ? out : undefined;
    });
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m);
    const status = await get(['pdb', 'web', '-o', 'jsonpath={.status.expectedPods}/{.status.currentHealthy}/{.status.desiredHealthy}/{.status.observedGeneration}/{.status.conditions[0].type}={.status.conditions[0].status}']);
    assert.equal(status, '3/3/2/1/DisruptionAllowed=True');

    const both = join(dir, 'both.yaml');
    writeFileSync(both, 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: both}\nspec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n');
    const r = await kc(['apply', '-f', both]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The PodDisruptionBudget "both" is invalid: spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set/);
  });

  test('kubectl drain evicts one pod, is refused for the rest (429, retried) and times out', async () => {
    const r = await kc(['drain', node, '--ignore-daemonsets', '--timeout=8s'], 0, 30_000);
    assert.notEqual(r.code, 0, `drain should fail:\n${r.stdout}\n${r.stderr}`);
    assert.equal((r.stdout.match(/^pod\/web-\S+ evicted$/gm) ?? []).length, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`error when evicting pods/"web-\\S+" -n "default" \\(will retry after 5s\\): ${refusal.replace(/[.']/g, '\\$&')}`));
    assert.match(r.stderr, /global timeout reached: 8s/);
    assert.equal((await runningPods()).length, 2);
    assert.equal(await allowed(), 0);
    assert.match(await get(['node', node]), /SchedulingDisabled/);
  });

  test('the eviction API: 429 while none is allowed; one passes once allowed, the next is refused', async () => {
    const [first, second] = await runningPods();
    const refused = await evict(first!);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim(), `Error from server (TooManyRequests): ${refusal}`);

    // Let the replacement start, so three are healthy again, then keep the next one from starting.
    ok(await kc(['uncordon', node]), 'uncordon');
    await eventually('3 healthy pods and one disruption allowed', 30_000, async () => ((await allowed()) === 1 ? true : undefined));
    ok(await kc(['cordon', node]), 'cordon');
    ok(await evict(first!), `evict ${first}`);
    assert.equal(await allowed(), 0, 'the eviction spends the budget');
    const next = await evict(second!);
    assert.equal(next.stderr.trim(), `Error from server (TooManyRequests): ${refusal}`);
    assert.ok((await runningPods()).includes(second!));
  });

  test('without a budget an eviction just deletes the pod', async () => {
    ok(await kc(['delete', 'pdb', 'web']), 'delete pdb');
    const [pod] = await runningPods();
    ok(await evict(pod!), `evict ${pod}`);
    await eventually(`${pod} gone`, 20_000, async () => ((await runningPods()).includes(pod!) ? undefined : true));
  });
});
