import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from 'kubernetes-types/core/v1.js';
import { startFixture, setPodCIDR, waitFor } from './test-support.js';
import { nodesType } from './node-registration.js';
import { leasesType } from './lease.js';
import { goArch } from './node-info.js';

test('the node registers with its labels, addresses, capacity and nodeInfo, and turns Ready once it has a podCIDR', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'k3ts-kubelet-'));
  const f = await startFixture({
    dataDir,
    labels: { 'node-role.kubernetes.io/worker': 'true' },
    taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }],
    hostname: 'host-a',
    version: 'v1.32.0+k3ts',
    statusReportIntervalMs: 60_000,
  });
  try {
    const node = (await f.plane.client.get(nodesType, undefined, 'node-a')) as Node;
    const arch = goArch();
    assert.deepEqual(node.metadata?.labels, {
      'beta.kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': arch,
      'kubernetes.io/hostname': 'host-a',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'k3ts',
      'node-role.kubernetes.io/worker': 'true',
    });
    assert.deepEqual(node.spec?.taints, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    assert.deepEqual(node.status?.addresses, [
      { type: 'InternalIP', address: '192.168.5.10' },
      { type: 'Hostname', address: 'host-a' },
    ]);
    const cap = node.status!.capacity!;
    assert.match(cap.cpu!, /^\d+$/);
    assert.match(cap.memory!, /^\d+Ki$/);
    assert.equal(cap.pods, '110');
    assert.match(cap['ephemeral-storage']!, /^[1-9]\d*Ki$/);
    assert.equal(cap['hugepages-2Mi'], '0');
    assert.ok(Number(node.status!.allocatable!['ephemeral-storage']) > 0);
    const info = node.status!.nodeInfo!;
    assert.equal(info.kubeletVersion, 'v1.32.0+k3ts');
    assert.equal(info.containerRuntimeVersion, 'sim://0.1.0');
    assert.equal(info.operatingSystem, 'linux');
    assert.equal(info.architecture, arch);
    assert.ok(info.osImage && info.kernelVersion && info.machineID && info.bootID && info.systemUUID);
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10250);

    const types = (n: Node) => Object.fromEntries((n.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
    assert.deepEqual(types(node), {
      MemoryPressure: 'False/KubeletHasSufficientMemory',
      DiskPressure: 'False/KubeletHasNoDiskPressure',
      PIDPressure: 'False/KubeletHasSufficientPID',
      Ready: 'False/KubeletNotReady',
    });
    assert.match(node.status!.conditions!.find((c) => c.type === 'Ready')!.message!, /no podCIDR/);

    await setPodCIDR(f.plane, 'node-a', '10.42.3.0/24');
    const ready = await waitFor('Ready', async () => {
      const n = (await f.plane.client.get(nodesType, undefined, 'node-a')) as Node;
      const c = n.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'True' ? c : undefined;
    });
    assert.equal(ready.reason, 'KubeletReady');
    assert.equal(ready.message, 'kubelet is posting ready status');

    // Checked every 200 ms, an unchanged status is not written again (the Lease carries liveness)...
    const readyNow = async () => ((await f.plane.client.get(nodesType, undefined, 'node-a')) as Node).status?.conditions?.find((x) => x.type === 'Ready');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await readyNow())?.lastHeartbeatTime, ready.lastHeartbeatTime, 'no heartbeat-only status write');
    // ...but a condition someone else changed, as the node lifecycle controller does, is put right at once.
    const unknown = { ...ready, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
    await f.plane.client.patch(nodesType, undefined, 'node-a', { type: 'strategic', body: { status: { conditions: [unknown] } } }, { subresource: 'status' });
    const back = await waitFor('Ready again', async () => {
      const c = await readyNow();
      return c?.status === 'True' ? c : undefined;
    }, 4000);
    assert.equal(back.reason, 'KubeletReady');

    const events = await f.plane.client.list({ group: '', version: 'v1', resource: 'events' }, { namespace: 'default' });
    const reasons = events.items.filter((e) => (e.involvedObject as { kind: string }).kind === 'Node').map((e) => e.reason);
    for (const r of ['Starting', 'NodeHasSufficientMemory', 'NodeReady']) assert.ok(reasons.includes(r), `event ${r} in ${reasons}`);
  } finally {
    await f.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an unchanged node status is written again once the report interval has passed, keeping its transition time', async () => {
  const f = await startFixture({ statusReportIntervalMs: 500 }, { podCIDR: '10.42.4.0/24' });
  try {
    const readyNow = async () => ((await f.plane.client.get(nodesType, undefined, 'node-a')) as Node).status?.conditions?.find((x) => x.type === 'Ready');
    const ready = await waitFor('Ready', async () => {
      const c = await readyNow();
      return c?.status === 'True' ? c : undefined;
    });
    const later = await waitFor('a later heartbeat', async () => {
      const c = await readyNow();
      return c && c.lastHeartbeatTime !== ready.lastHeartbeatTime ? c : undefined;
    }, 4000);
    assert.equal(later.lastTransitionTime, ready.lastTransitionTime);
  } finally {
    await f.stop();
  }
});

test('the node lease is created with an owner reference and renewed', async () => {
  const f = await startFixture();
  try {
    const lease = await f.plane.client.get(leasesType, 'kube-node-lease', 'node-a');
    const spec = lease.spec as { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
    assert.equal(spec.holderIdentity, 'node-a');
    assert.equal(spec.leaseDurationSeconds, 40);
    assert.match(spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const node = await f.plane.client.get(nodesType, undefined, 'node-a');
    assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: node.metadata.uid }]);
    await waitFor('renewal', async () => {
      const l = await f.plane.client.get(leasesType, 'kube-node-lease', 'node-a');
      return (l.spec as { renewTime: string }).renewTime !== spec.renewTime;
    });
  } finally {
    await f.stop();
  }
});

test('an existing node (an agent restarting) gets its labels and status brought up to date, taints left alone', async () => {
  const f = await startFixture({ labels: { tier: 'one' }, taints: [{ key: 'a', effect: 'NoSchedule' }] }, { podCIDR: '10.42.9.0/24' });
  await f.stopKubelet();
  await f.plane.client.patch(nodesType, undefined, 'node-a', { type: 'merge', body: { spec: { taints: [] } } });
  const g = await startFixture({ labels: { tier: 'two' }, taints: [{ key: 'a', effect: 'NoSchedule' }], nodeIP: '192.168.5.11' }, { plane: f.plane });
  try {
    const node = (await f.plane.client.get(nodesType, undefined, 'node-a')) as Node;
    assert.equal(node.metadata?.labels?.tier, 'two');
    assert.equal(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, '192.168.5.11');
    assert.deepEqual(node.spec?.taints ?? [], []);
    assert.equal(node.spec?.podCIDR, '10.42.9.0/24');
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  } finally {
    await g.stop();
    f.runtime.close();
  }
});
