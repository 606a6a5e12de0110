import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { podTable } from './pod.js';

const now = new Date('2025-03-10T12:00:00Z');
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();
const MIN = 60_000;

function pod(over: { spec?: object; status?: object; metadata?: object } = {}): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(3 * 24 * 60 * MIN), ...over.metadata },
    spec: { containers: [{ name: 'web', image: 'nginx' }], nodeName: 'node-a', ...over.spec },
    status: over.status ?? {},
  };
}

const running = { state: { running: { startedAt: ago(5 * MIN) } }, ready: true, started: true };

test('column headers and priorities', () => {
  assert.deepEqual(podTable.columns.map((c) => [c.name, c.type, c.priority]), [
    ['Name', 'string', 0], ['Ready', 'string', 0], ['Status', 'string', 0], ['Restarts', 'string', 0], ['Age', 'string', 0],
    ['IP', 'string', 1], ['Node', 'string', 1], ['Nominated Node', 'string', 1], ['Readiness Gates', 'string', 1],
  ]);
  assert.equal(podTable.columns[0]!.format, 'name');
});

test('a running pod restarted once five minutes ago', () => {
  const p = pod({
    status: {
      phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'web', restartCount: 1, ...running, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * MIN) } } }],
    },
  });
  assert.deepEqual(podTable.cells(p, now), ['web-1', '1/1', 'Running', '1 (5m ago)', '3d', '10.42.0.5', 'node-a', '<none>', '<none>']);
});

test('CrashLoopBackOff shows the waiting reason and counts restarts', () => {
  const p = pod({
    status: {
      phase: 'Running', podIPs: [{ ip: '10.42.0.6' }],
      containerStatuses: [{
        name: 'web', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(90_000) } },
      }],
    },
  });
  assert.deepEqual(podTable.cells(p, now).slice(0, 4), ['web-1', '0/1', 'CrashLoopBackOff', '4 (90s ago)']);
});

test('waiting on the first of one init container', () => {
  const p = pod({
    spec: { initContainers: [{ name: 'migrate', image: 'm' }] },
    status: {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: { running: { startedAt: ago(MIN) } } }],
      containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    },
  });
  assert.deepEqual(podTable.cells(p, now).slice(0, 4), ['web-1', '0/1', 'Init:0/1', '0']);
});

test('a failed init container shows its reason; a crashing one its waiting reason', () => {
  const failed = pod({
    spec: { initContainers: [{ name: 'a' }, { name: 'b' }] },
    status: { phase: 'Pending', initContainerStatuses: [
      { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'b', restartCount: 0, state: { terminated: { exitCode: 3 } } },
    ] },
  });
  assert.equal(podTable.cells(failed, now)[2], 'Init:ExitCode:3');
  const crashing = pod({
    spec: { initContainers: [{ name: 'a' }] },
    status: { phase: 'Pending', initContainerStatuses: [{ name: 'a', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
  });
  assert.deepEqual(podTable.cells(crashing, now).slice(2, 4), ['Init:CrashLoopBackOff', '2']);
});

test('a sidecar init container counts towards READY once started', () => {
  const p = pod({
    spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    status: {
      phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [{ name: 'proxy', restartCount: 0, ...running }],
      containerStatuses: [{ name: 'web', restartCount: 0, ...running }],
    },
  });
  assert.deepEqual(podTable.cells(p, now).slice(1, 4), ['2/2', 'Running', '0']);
});

test('a finished pod is Completed', () => {
  const p = pod({
    status: { phase: 'Succeeded', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
  });
  assert.deepEqual(podTable.cells(p, now).slice(1, 4), ['0/1', 'Completed', '0']);
});

test('Completed with a container still running becomes Running or NotReady', () => {
  const status = (ready: boolean) => ({
    phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [
      { name: 'web', restartCount: 0, ...running },
      { name: 'job', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ],
  });
  const spec = { containers: [{ name: 'web' }, { name: 'job' }] };
  assert.deepEqual(podTable.cells(pod({ spec, status: status(true) }), now).slice(1, 3), ['1/2', 'Running']);
  assert.deepEqual(podTable.cells(pod({ spec, status: status(false) }), now).slice(1, 3), ['1/2', 'NotReady']);
});

test('deletion shows Terminating, or Unknown for a lost node, but not for finished pods', () => {
  const status = { phase: 'Running', containerStatuses: [{ name: 'web', restartCount: 0, ...running }] };
  const deleting = { deletionTimestamp: ago(0) };
  assert.equal(podTable.cells(pod({ metadata: deleting, status }), now)[2], 'Terminating');
  assert.equal(podTable.cells(pod({ metadata: deleting, status: { ...status, reason: 'NodeLost' } }), now)[2], 'Unknown');
  assert.equal(podTable.cells(pod({ metadata: deleting, status: { phase: 'Succeeded' } }), now)[2], 'Succeeded');
});

test('evicted, scheduling-gated and pending pods, and wide columns', () => {
  assert.equal(podTable.cells(pod({ status: { phase: 'Failed', reason: 'Evicted' } }), now)[2], 'Evicted');
  const gated = pod({ spec: { nodeName: undefined }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
  assert.deepEqual(podTable.cells(gated, now), ['web-1', '0/1', 'SchedulingGated', '0', '3d', '<none>', '<none>', '<none>', '<none>']);
  const gates = pod({
    spec: { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
    status: { phase: 'Pending', nominatedNodeName: 'node-b', conditions: [{ type: 'example.com/lb', status: 'True' }] },
  });
  assert.deepEqual(podTable.cells(gates, now).slice(6), ['node-a', 'node-b', '1/2']);
});
