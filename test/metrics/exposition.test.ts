// The exposition both registries serve: every component's metrics fed once, then the text checked by
// Prometheus' own parser (promtool check metrics, Debian's prometheus package) and each metric's
// type and units compared with what upstream publishes under that name.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { controlPlaneRegistry, nodeRegistry } from '../../src/instrumentation/registries.js';
import { workQueueMetrics } from '../../src/instrumentation/workqueue-metrics.js';
import { WorkQueue } from '../../src/client/work-queue.js';
import { RequestMeasure } from '../../src/apiserver/prometheus/request-metrics.js';
import { timed } from '../../src/apiserver/prometheus/storage-metrics.js';
import { countError, startAttempt } from '../../src/scheduler/metrics.js';
import { measuredRuntime, observePodStart } from '../../src/kubelet/metrics.js';
import { timedSync } from '../../src/proxy/metrics.js';
import { recordPeerRound } from '../../src/network/overlay/metrics.js';
import type { ContainerRuntime } from '../../src/runtime/types.js';

const fakeReq = (method: string, url: string, headers: Record<string, string> = {}) => Object.assign(new EventEmitter(), { method, url, headers }) as unknown as IncomingMessage;
const fakeRes = (statusCode: number) => ({ statusCode }) as ServerResponse;

/** `# TYPE name type` lines of an exposition. */
const types = (text: string) => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
/** The value of one sample line, matched by name and a label substring. */
const sample = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

/** Prometheus' parser and linter on an exposition. It fails on a parse error; lint problems are only
 *  allowed for prom-client's own nodejs_active_*_total gauges (the library's names, not ours). */
function assertPromtoolAccepts(text: string): void {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is needed (apt-get install -y prometheus): ${r.error.message}`);
  const out = `${r.stdout}${r.stderr}`;
  assert.doesNotMatch(out, /error/i, `promtool could not parse the exposition:\n${out}`);
  const problems = out.split('\n').filter((l) => l.trim() !== '' && !/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(l));
  assert.deepEqual(problems, [], `promtool check metrics:\n${out}`);
}

describe('Prometheus exposition', () => {
  test('the control plane registry: API requests, storage, work queues and the scheduler, as upstream types them', async () => {
    const get = new RequestMeasure(fakeReq('GET', '/api/v1/namespaces/default/pods/p'));
    get.info = { kind: 'resource', verb: 'get', group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'p' };
    get.admitted(get.info);
    get.finished(fakeRes(404));
    const watch = new RequestMeasure(fakeReq('GET', '/api/v1/pods?watch=true'));
    watch.admitted({ kind: 'resource', verb: 'watch', group: '', version: 'v1', resource: 'pods' });
    const apply = new RequestMeasure(fakeReq('PATCH', '/apis/apps/v1/namespaces/x/deployments/d', { 'content-type': 'application/apply-patch+yaml' }));
    apply.admitted({ kind: 'resource', verb: 'patch', group: 'apps', version: 'v1', namespace: 'x', resource: 'deployments', name: 'd' });
    apply.finished(fakeRes(200));
    await timed('get', 'pods', Promise.resolve(1));
    const q = new WorkQueue({ metrics: workQueueMetrics('exposition-test') });
    q.add('a');
    q.add('b');
    const key = (await q.next())!;
    q.retry(key);
    q.done(key);
    q.close();
    startAttempt()('scheduled');
    startAttempt()('unschedulable');
    countError();

    const text = await controlPlaneRegistry.metrics();
    const t = types(text);
    for (const [name, type] of Object.entries({
      apiserver_request_total: 'counter',
      apiserver_request_duration_seconds: 'histogram',
      apiserver_current_inflight_requests: 'gauge',
      apiserver_longrunning_requests: 'gauge',
      etcd_request_duration_seconds: 'histogram',
      apiserver_storage_size_bytes: 'gauge',
      workqueue_depth: 'gauge',
      workqueue_adds_total: 'counter',
      workqueue_retries_total: 'counter',
      workqueue_queue_duration_seconds: 'histogram',
      workqueue_work_duration_seconds: 'histogram',
      scheduler_schedule_attempts_total: 'counter',
      scheduler_scheduling_attempt_duration_seconds: 'histogram',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
    })) assert.equal(t.get(name), type, `${name} is a ${type}`);
    // Upstream's label values: capital verbs, APPLY told from PATCH, scope by name/namespace.
    assert.ok(sample(text, 'apiserver_request_total', 'verb="GET",group="",version="v1",resource="pods",subresource="",scope="resource",component="apiserver",code="404"')! >= 1);
    assert.ok(sample(text, 'apiserver_request_total', 'verb="APPLY",group="apps",version="v1",resource="deployments"')! >= 1);
    assert.equal(sample(text, 'apiserver_longrunning_requests', 'verb="WATCH",group="",version="v1",resource="pods",subresource="",scope="cluster"'), 1);
    assert.equal(sample(text, 'apiserver_request_duration_seconds_count', 'verb="WATCH"'), undefined, 'a watch is no latency sample');
    assert.ok(sample(text, 'etcd_request_duration_seconds_count', 'operation="get",type="pods"')! >= 1);
    assert.equal(sample(text, 'workqueue_adds_total', 'name="exposition-test"'), 2);
    assert.equal(sample(text, 'workqueue_retries_total', 'name="exposition-test"'), 1);
    assert.equal(sample(text, 'workqueue_work_duration_seconds_count', 'name="exposition-test"'), 1);
    assert.ok(sample(text, 'scheduler_schedule_attempts_total', 'result="unschedulable"')! >= 1);
    assert.ok(sample(text, 'scheduler_schedule_attempts_total', 'result="error"')! >= 1);
    assertPromtoolAccepts(text);
    watch.finished(fakeRes(200));
    assert.equal(sample(await controlPlaneRegistry.metrics(), 'apiserver_longrunning_requests', 'verb="WATCH",group="",version="v1",resource="pods",subresource="",scope="cluster"'), 0);
  });

  test('the node registry: kubelet, service proxy and overlay, as upstream types them', async () => {
    observePodStart(1.5);
    const runtime = measuredRuntime({ version: async () => ({ name: 'sim', version: '1' }), startContainer: async () => { throw new Error('no such container'); } } as unknown as ContainerRuntime);
    await runtime.version();
    await assert.rejects(runtime.startContainer('x'));
    await timedSync(Promise.resolve());
    recordPeerRound([], [{ name: 'n2', nodeIP: '10.0.0.2', failedRounds: 0, last: { direct: true, overlay: true, overlayLarge: false } }]);
    recordPeerRound([{ name: 'n2', nodeIP: '10.0.0.2', failedRounds: 0 }], [{ name: 'n3', nodeIP: '10.0.0.3', failedRounds: 2, last: { direct: false } }]);

    const text = await nodeRegistry.metrics();
    const t = types(text);
    for (const [name, type] of Object.entries({
      kubelet_pod_start_duration_seconds: 'histogram',
      kubelet_runtime_operations_duration_seconds: 'histogram',
      kubelet_runtime_operations_errors_total: 'counter',
      kubeproxy_sync_proxy_rules_duration_seconds: 'histogram',
      kubeproxy_sync_proxy_rules_last_timestamp_seconds: 'gauge',
      k3ts_overlay_peer_probe_success: 'gauge',
      k3ts_overlay_peer_failed_rounds: 'gauge',
      process_cpu_seconds_total: 'counter',
    })) assert.equal(t.get(name), type, `${name} is a ${type}`);
    assert.ok(sample(text, 'kubelet_pod_start_duration_seconds_bucket', 'le="2"')! >= 1);
    assert.ok(sample(text, 'kubelet_runtime_operations_duration_seconds_count', 'operation_type="version"')! >= 1);
    assert.ok(sample(text, 'kubelet_runtime_operations_errors_total', 'operation_type="start_container"')! >= 1);
    assert.ok(sample(text, 'kubeproxy_sync_proxy_rules_duration_seconds_count', '')! >= 1);
    // A peer that left has no series any more; the new one reports its failed direct probe.
    assert.equal(sample(text, 'k3ts_overlay_peer_probe_success', 'peer="n2"'), undefined);
    assert.equal(sample(text, 'k3ts_overlay_peer_probe_success', 'peer="n3",peer_ip="10.0.0.3",path="direct"'), 0);
    assert.equal(sample(text, 'k3ts_overlay_peer_failed_rounds', 'peer="n3"'), 2);
    assertPromtoolAccepts(text);
  });
});
