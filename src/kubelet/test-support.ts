// Shared by the kubelet's tests: a control plane, a simulated runtime and a kubelet with short timings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startTestControlPlane, type TestControlPlane } from '../../test/support/control-plane.js';
import type { KObject } from '../registry/types.js';
import { SimRuntime } from '../runtime/sim/sim-runtime.js';
import { startKubelet, type Kubelet, type KubeletOptions } from './kubelet.js';
import { nodesType } from './node-registration.js';
import { podsType } from './pod-sync.js';

export interface KubeletFixture {
  plane: TestControlPlane;
  runtime: SimRuntime;
  kubelet: Kubelet;
  stop(): Promise<void>;
  /** Stops only the kubelet (the agent going down), leaving the control plane. */
  stopKubelet(): Promise<void>;
}

/** The kubelets of one test file share a data dir (a kubelet started again finds what the one before
 *  left, as an agent restarted on its machine does); it goes when the file's process exits. Without
 *  one the kubelet would use <tmpdir>/agent, shared with every other test and never removed. */
let dataDir: string | undefined;
function fixtureDataDir(): string {
  if (dataDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-kubelet-test-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    dataDir = dir;
  }
  return dataDir;
}

export async function startFixture(over: Partial<KubeletOptions> = {}, o: { podCIDR?: string; plane?: TestControlPlane } = {}): Promise<KubeletFixture> {
  const plane = o.plane ?? (await startTestControlPlane());
  const runtime = (over.runtime as SimRuntime | undefined) ?? new SimRuntime();
  const ac = new AbortController();
  const kubelet = await startKubelet(
    {
      client: plane.client,
      nodeName: 'node-a',
      nodeIP: '192.168.5.10',
      runtime,
      statusUpdateIntervalMs: 200,
      leaseRenewIntervalMs: 100,
      backoffInitialMs: 200,
      backoffMaxMs: 800,
      configRetryMs: 200,
      ...over,
      dataDir: over.dataDir ?? fixtureDataDir(),
    },
    ac.signal,
  );
  if (o.podCIDR) await setPodCIDR(plane, over.nodeName ?? 'node-a', o.podCIDR);
  const stopKubelet = async () => {
    ac.abort();
    await kubelet.stopped;
  };
  return {
    plane,
    runtime,
    kubelet,
    stopKubelet,
    async stop() {
      await stopKubelet();
      runtime.close();
      await plane.close();
    },
  };
}

export async function setPodCIDR(plane: TestControlPlane, nodeName: string, cidr: string): Promise<void> {
  await plane.client.patch(nodesType, undefined, nodeName, { type: 'merge', body: { spec: { podCIDR: cidr } } });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function podManifest(name: string, spec: Partial<Pod['spec']> & { containers: NonNullable<Pod['spec']>['containers'] }, meta: Partial<KObject['metadata']> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...meta },
    spec: { nodeName: 'node-a', terminationGracePeriodSeconds: 5, ...spec },
  } as KObject;
}

export async function getPod(plane: TestControlPlane, name: string): Promise<Pod> {
  return (await plane.client.get(podsType, 'default', name)) as Pod;
}
