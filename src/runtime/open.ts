// The one place a node's runtime is chosen and brought up: simulated containers, a containerd of
// the node's own (started, configured and supervised under <data-dir>/agent), or a containerd
// someone else runs (--container-runtime-endpoint). Callers get the runtime and a way to let go.
import type { ContainerRuntime } from './types.js';
import { SimRuntime } from './sim/sim-runtime.js';
import { ContainerdRuntime } from './containerd/containerd-runtime.js';
import { containerdPaths } from './containerd/config.js';
import { bridgeNameFor, cgroupParentFor, startManagedContainerd } from './containerd/managed.js';
import { PAUSE_IMAGE } from './containerd/pause-image.js';

export interface NodeRuntimeOptions {
  kind: 'containerd' | 'sim';
  /** An existing CRI socket: no containerd of our own. */
  endpoint?: string;
  /** <data-dir>/agent */
  agentDir: string;
  /** registries.yaml for the node's own containerd; ignored when it does not exist. */
  registriesFile?: string;
  /** The pod network's MTU, for the CNI bridge. */
  podMtu?: number;
  log(msg: string, fields?: Record<string, unknown>): void;
}

export interface NodeRuntime {
  runtime: ContainerRuntime;
  /** Where the runtime writes container logs and where pod volumes go, as the kubelet must pass them. */
  logRoot: string;
  volumeRoot: string;
  /** Lets go of the runtime. Containers keep running (a restarted agent adopts them); `k3ts killall` removes them. */
  close(): Promise<void>;
}

/** Where an external containerd looks for CNI configuration unless told otherwise. */
const SYSTEM_CNI_CONF_DIR = '/etc/cni/net.d';

export async function openNodeRuntime(o: NodeRuntimeOptions): Promise<NodeRuntime> {
  const paths = containerdPaths(o.agentDir);
  const roots = { logRoot: paths.podLogs, volumeRoot: paths.podVolumes };
  if (o.kind === 'sim') {
    const runtime = new SimRuntime();
    return { runtime, ...roots, close: () => runtime.close() };
  }
  const common = { cniIpamDir: paths.cniIpamDir, bridgeName: bridgeNameFor(o.agentDir), cgroupParent: cgroupParentFor(o.agentDir), log: o.log, ...(o.podMtu ? { podMtu: o.podMtu } : {}) };
  if (o.endpoint) {
    // Its CNI directory is its own configuration's; the usual one unless an operator moved it.
    const runtime = new ContainerdRuntime({ socket: o.endpoint, cniConfDir: SYSTEM_CNI_CONF_DIR, ...common });
    return { runtime, ...roots, close: () => runtime.close() };
  }
  const managed = await startManagedContainerd({
    agentDir: o.agentDir,
    streamAddress: '127.0.0.1',
    registriesFile: o.registriesFile,
    log: o.log,
  });
  const runtime = new ContainerdRuntime({ socket: managed.paths.socket, cniConfDir: managed.paths.cniConfDir, sandboxImage: PAUSE_IMAGE, ...common });
  return {
    runtime,
    ...roots,
    async close() {
      await runtime.close();
      await managed.stop();
    },
  };
}
