import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerConfig, PodSandboxConfig } from '../types.js';
import { containerStatusOf, criContainerConfig, criSandboxConfig, imageStatusOf, type CriContainerStatus } from './cri-mapping.js';

const sandbox: PodSandboxConfig = {
  name: 'web',
  namespace: 'default',
  uid: 'u1',
  attempt: 1,
  hostname: 'web',
  labels: { app: 'web' },
  annotations: {},
  hostNetwork: false,
  logDirectory: '/var/log/pods/default_web_u1',
  portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080 }],
  security: { runAsUser: 1000, supplementalGroups: [5] },
};

/* eslint-disable @typescript-eslint/no-explicit-any */
test('a sandbox: pod namespaces, the node cgroup parent, run-as fields; host network drops the hostname', () => {
  const c = criSandboxConfig(sandbox, { cgroupParent: '/k3ts/node-a' }) as any;
  assert.deepEqual(c.metadata, { name: 'web', uid: 'u1', namespace: 'default', attempt: 1 });
  assert.deepEqual(c.linux.securityContext.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  assert.deepEqual(c.linux.securityContext.runAsUser, { value: 1000 });
  assert.equal(c.linux.cgroupParent, '/k3ts/node-a');
  assert.deepEqual(c.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
  assert.equal(c.hostname, 'web');
  const host = criSandboxConfig({ ...sandbox, hostNetwork: true }) as any;
  assert.equal(host.hostname, '');
  assert.equal(host.linux.securityContext.namespaceOptions.network, 'NODE');
  assert.equal(host.linux.cgroupParent, undefined);
});

test('a container: resources, capabilities without CAP_, noNewPrivs from allowPrivilegeEscalation=false', () => {
  const config: ContainerConfig = {
    name: 'app',
    attempt: 0,
    image: 'busybox',
    command: ['sh'],
    args: [],
    envs: [{ key: 'A', value: '1' }],
    labels: {},
    annotations: {},
    mounts: [{ containerPath: '/data', hostPath: '/srv', readOnly: true }],
    logPath: 'app/0.log',
    resources: { cpuShares: 512, memoryLimitBytes: 1 << 26 },
    security: { capabilities: { add: ['CAP_NET_ADMIN', 'sys_time'], drop: ['ALL'] }, allowPrivilegeEscalation: false },
  };
  const c = criContainerConfig(config, sandbox) as any;
  assert.deepEqual(c.linux.resources, { cpuShares: 512, cpuQuota: 0, cpuPeriod: 0, memoryLimitInBytes: 1 << 26, oomScoreAdj: 0 });
  assert.deepEqual(c.linux.securityContext.capabilities, { addCapabilities: ['NET_ADMIN', 'SYS_TIME'], dropCapabilities: ['ALL'] });
  assert.equal(c.linux.securityContext.noNewPrivs, true);
  assert.equal(c.linux.securityContext.namespaceOptions.pid, 'CONTAINER');
  assert.equal(c.mounts[0].readonly, true);
  assert.equal((criContainerConfig({ ...config, security: {} }, sandbox) as any).linux.securityContext.noNewPrivs, false);
});

test('a status: times from nanoseconds, exit code only once exited, nothing finished before it started', () => {
  const base: CriContainerStatus = {
    id: 'c1',
    metadata: { name: 'app', attempt: 2 },
    state: 'CONTAINER_RUNNING',
    createdAt: 1_796_605_331_174_236_200,
    startedAt: 1_796_605_331_394_545_200,
    finishedAt: 0,
    exitCode: 0,
    image: { image: 'docker.io/library/busybox:latest' },
    imageRef: 'sha256:abc',
    reason: '',
    message: '',
    labels: {},
    logPath: '/logs/app/2.log',
  };
  const running = containerStatusOf(base, 's1');
  assert.deepEqual([running.state, running.startedAt, running.finishedAt, running.exitCode, running.reason], ['running', '2026-12-07T01:02:11.394Z', undefined, undefined, undefined]);
  const done = containerStatusOf({ ...base, state: 'CONTAINER_EXITED', finishedAt: 1_796_605_331_393_507_800, reason: 'Completed' }, 's1');
  assert.deepEqual([done.exitCode, done.reason, done.startedAt, done.finishedAt], [0, 'Completed', '2026-12-07T01:02:11.393Z', '2026-12-07T01:02:11.393Z']);
  assert.equal(containerStatusOf({ ...base, state: 'CONTAINER_UNKNOWN' }, 's1').state, 'unknown');
});

test('an image is named by the tag asked for, referred to by digest or else its ID', () => {
  const img = { id: 'sha256:1', repoTags: ['docker.io/library/busybox:1', 'docker.io/library/busybox:latest'], repoDigests: [], size: 10 };
  assert.deepEqual(imageStatusOf(img, 'busybox'), { image: 'docker.io/library/busybox:latest', imageRef: 'sha256:1', names: img.repoTags, sizeBytes: 10 });
  assert.equal(imageStatusOf({ ...img, repoDigests: ['docker.io/library/busybox@sha256:2'] }).imageRef, 'docker.io/library/busybox@sha256:2');
});
