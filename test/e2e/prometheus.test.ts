// Prometheus metrics end to end on a simulated `k3ts up --monitoring` cluster: /metrics through real
// kubectl and its authorization, every node's kubelet metrics through the API server's node proxy,
// and Debian's Prometheus, started by up, scraping all of them; `k3ts down` stops it and removes
// its data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, kubectls } from './harness.js';
import { eventually, exec, k3tsBin, ok } from './cli-exec.js';
import { readUpState } from '../../src/local-cluster/state.js';
import { isRunning } from '../../src/agent/process-identity.js';

const nodes = ['k3ts-agent-1', 'k3ts-agent-2', 'k3ts-server'];

const daemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'everywhere' },
  spec: {
    selector: { matchLabels: { app: 'everywhere' } },
    template: { metadata: { labels: { app: 'everywhere' } }, spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', 'infinity'] }] } },
  },
};

/** The value of the first sample of `name` whose labels contain `labels`. */
const sample = (text: string, name: string, labels = '') => {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

function httpGetJson(url: string): Promise<{ status?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    }).on('error', reject);
  });
}

describe('Prometheus metrics on k3ts up --monitoring', { timeout: 240_000 }, () => {
  let dir: string;
  let dataDir: string;
  let apiPort: number;
  let promPort: number;
  let env: NodeJS.ProcessEnv;
  let upOutput: string;
  const kc = (args: string[], bin = kubectls[0]!.bin) => exec(bin, args, env);
  const promQuery = async (q: string) => {
    const r = await httpGetJson(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
    assert.equal(r.status, 'success', `query ${q}`);
    return r.data!.result;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-prom-'));
    dataDir = join(dir, 'cluster');
    apiPort = await freePort();
    promPort = await freePort();
    env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir, KUBECACHEDIR: join(dir, 'kube-cache') };
    upOutput = ok(await exec(k3tsBin, ['up', '--agents', '2', '--data-dir', dataDir, '--port', String(apiPort), '--runtime', 'sim', '--monitoring', '--monitoring-port', String(promPort)]), 'k3ts up --monitoring');
    const manifest = join(dir, 'ds.yaml');
    writeFileSync(manifest, stringify(daemonSet));
    ok(await kc(['apply', '-f', manifest]), 'apply the DaemonSet');
  });

  after(async () => {
    if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('up says where Prometheus listens', () => {
    assert.match(upOutput, new RegExp(`Prometheus: http://127\\.0\\.0\\.1:${promPort}\\s+config: ${dataDir}/monitoring/prometheus\\.yml`));
  });

  for (const k of kubectls) {
    test(`${k.name}: get --raw /metrics counts the requests just made`, async () => {
      const label = 'verb="LIST",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"';
      const before = sample(ok(await kc(['get', '--raw', '/metrics'], k.bin), 'get --raw /metrics'), 'apiserver_request_total', label) ?? 0;
      for (let i = 0; i < 3; i++) ok(await kc(['get', 'pods'], k.bin), 'get pods');
      const text = ok(await kc(['get', '--raw', '/metrics'], k.bin), 'get --raw /metrics');
      assert.ok(sample(text, 'apiserver_request_total', label)! >= before + 3, 'three more LISTs of pods');
      assert.match(text, /^# TYPE apiserver_request_duration_seconds histogram$/m);
      assert.match(text, /^apiserver_storage_size_bytes\{storage_cluster_id="sqlite"\} \d+/m);
      assert.match(text, /^workqueue_adds_total\{name="daemonset"\} \d+/m);
      assert.match(text, /^process_resident_memory_bytes \d+/m);
    });
  }

  test('/metrics: a user without rights gets 403, no credentials 401, a query parameter 400; system:monitoring reads it', async () => {
    const denied = await kc(['get', '--raw', '/metrics', '--as=nobody']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Error from server \(Forbidden\): forbidden: User "nobody" cannot get path "\/metrics"/);
    const monitor = ok(await kc(['get', '--raw', '/metrics', '--as=scraper', '--as-group=system:monitoring']), 'as system:monitoring');
    assert.match(monitor, /^apiserver_request_total\{/m);
    const bad = await kc(['get', '--raw', '/metrics?format=json']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /BadRequest|takes no query parameters/);
    const anonymous = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: apiPort, path: '/metrics', rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    assert.equal(anonymous, 401);
  });

  test('every node\'s kubelet metrics through /api/v1/nodes/<n>/proxy/metrics, authorized as nodes/proxy', async () => {
    for (const node of nodes) {
      const text = await eventually(`${node}'s pod start measured`, 60_000, async () => {
        const r = await kc(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics`]);
        return r.code === 0 && (sample(r.stdout, 'kubelet_pod_start_duration_seconds_count') ?? 0) >= 1 ? r.stdout : undefined;
      });
      assert.match(text, /^# TYPE kubelet_pod_start_duration_seconds histogram$/m);
      assert.match(text, /^kubelet_runtime_operations_duration_seconds_count\{operation_type="run_podsandbox"\} [1-9]/m);
    }
    // With kubectl 1.35 too, and for a user granted only nodes/proxy get (the monitoring user).
    const latest = ok(await kc(['get', '--raw', '/api/v1/nodes/k3ts-agent-2/proxy/metrics', '--as=k3ts-monitoring', '--as-group=system:monitoring'], kubectls[1]!.bin), 'kubectl 1.35 as k3ts-monitoring');
    assert.match(latest, /^kubelet_pod_start_duration_seconds_count [1-9]/m);
    const denied = await kc(['get', '--raw', '/api/v1/nodes/k3ts-agent-1/proxy/metrics', '--as=scraper', '--as-group=system:monitoring']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /nodes "k3ts-agent-1" is forbidden: User "scraper" cannot get resource "nodes\/proxy" in API group "" at the cluster scope/);
    const missing = await kc(['get', '--raw', '/api/v1/nodes/no-such-node/proxy/metrics']);
    assert.match(missing.stderr, /NotFound|nodes "no-such-node" not found/);
    const notOffered = await kc(['get', '--raw', '/api/v1/nodes/k3ts-agent-1/proxy/containerLogs/default/x/main']);
    assert.notEqual(notOffered.code, 0, 'the node proxy offers only the read-only kubelet paths');
  });

  test('Prometheus scrapes the API server and every node: up == 1 and a pod start series from each node', async () => {
    const targets = await eventually('4 targets up', 90_000, async () => {
      const up = await promQuery('up');
      return up.length === 4 && up.every((s) => s.value[1] === '1') ? up : undefined;
    });
    assert.deepEqual(targets.map((s) => s.metric.job === 'apiserver' ? 'apiserver' : s.metric.node).sort(), ['apiserver', ...nodes]);
    const starts = await eventually('pod starts from 3 nodes', 90_000, async () => {
      const r = await promQuery('kubelet_pod_start_duration_seconds_count > 0');
      return r.length === 3 ? r : undefined;
    });
    assert.deepEqual(starts.map((s) => s.metric.node).sort(), nodes);
    const requests = await promQuery('sum(apiserver_request_total{job="apiserver"})');
    assert.ok(Number(requests[0]?.value[1]) > 0, 'the API server\'s own series are scraped too');
  });

  test('bad monitoring flags: a taken port and --monitoring-port alone are refused in one line, before anything starts', async () => {
    const other = join(dir, 'other');
    const taken = await exec(k3tsBin, ['up', '--agents', '0', '--data-dir', other, '--port', String(await freePort()), '--runtime', 'sim', '--monitoring', '--monitoring-port', String(promPort)]);
    assert.notEqual(taken.code, 0);
    assert.equal(taken.stderr.trim(), `k3ts: --monitoring-port: port ${promPort} on 127.0.0.1 is already in use; stop what uses it, or choose another port`);
    assert.equal(existsSync(join(other, 'up.json')), false, 'nothing was started');
    const alone = await exec(k3tsBin, ['up', '--data-dir', other, '--runtime', 'sim', '--monitoring-port', '9999']);
    assert.notEqual(alone.code, 0);
    assert.equal(alone.stderr.trim(), 'k3ts: --monitoring-port: only used with --monitoring; add --monitoring');
    rmSync(other, { recursive: true, force: true });
  });

  test('k3ts down stops Prometheus and removes its data', async () => {
    const state = readUpState(dataDir)!;
    const prometheus = state.processes.find((p) => p.role === 'prometheus');
    assert.ok(prometheus, 'Prometheus is recorded in up.json');
    assert.ok(isRunning(prometheus));
    const r = ok(await exec(k3tsBin, ['down', '--data-dir', dataDir]), 'k3ts down');
    assert.match(r, /stopped prometheus, agent 2, agent 1, server/);
    assert.equal(isRunning(prometheus), false, 'Prometheus stopped (a zombie waits only for PID 1 to reap it)');
    assert.equal(existsSync(join(dataDir, 'monitoring')), false);
  });
});
