// Pods on a real containerd for the streaming tests: the project's private test containerd (own
// dir, bridge, pod range; `stop()` scrubs everything) driven through the containerd runtime class,
// with pods made straight from runtime configs when a test needs no kubelet.
import { join } from 'node:path';
import { ContainerdRuntime } from '../../src/runtime/containerd/containerd-runtime.js';
import { BUSYBOX_IMAGE, containerdSkipReason, startTestContainerd, type TestContainerd } from '../../src/runtime/containerd/test-containerd.js';
import type { PodSandboxConfig } from '../../src/runtime/types.js';

export { BUSYBOX_IMAGE };

/** Why containerd tests cannot run here, or undefined when they can. */
export const containerdMissing = containerdSkipReason;

/** What `httpdCommand` serves. */
export const WWW_INDEX = 'hello from inside the pod\n';

/** busybox httpd on `port` of the pod's network, serving WWW_INDEX at / (the image has no web root). */
export const httpdCommand = (port: number) => ['sh', '-c', `mkdir -p /www && printf '${WWW_INDEX.replace(/\n/g, '\\n')}' > /www/index.html && exec httpd -f -p ${port} -h /www`];

export interface TestContainer {
  name: string;
  command: string[];
  stdin?: boolean;
  tty?: boolean;
}

export interface TestPod {
  sandboxId: string;
  containers: Record<string, string>;
}

export interface StreamingRuntime {
  readonly node: TestContainerd;
  readonly runtime: ContainerdRuntime;
  /** A pod in `default`, without a kubelet: sandbox and started containers. */
  runPod(name: string, containers: TestContainer[]): Promise<TestPod>;
  close(): Promise<void>;
}

export async function startStreamingRuntime(): Promise<StreamingRuntime> {
  const node = await startTestContainerd();
  const p = node.paths;
  const runtime = new ContainerdRuntime({ socket: p.socket, cniConfDir: p.cniConfDir, cniIpamDir: p.cniIpamDir, bridgeName: node.bridgeName, cniBinDir: '/usr/lib/cni', cgroupParent: node.cgroupParent });
  const close = async () => {
    await runtime.close();
    await node.stop();
  };
  try {
    await runtime.updatePodCidr(node.podCidr);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    node,
    runtime,
    async runPod(name, containers) {
      const sandbox: PodSandboxConfig = {
        name,
        namespace: 'default',
        uid: `uid-${name}`,
        attempt: 0,
        hostname: name,
        labels: {},
        annotations: {},
        hostNetwork: false,
        logDirectory: join(p.podLogs, `default_${name}`),
        portMappings: [],
      };
      const sandboxId = await runtime.runPodSandbox(sandbox);
      const ids: Record<string, string> = {};
      for (const c of containers) {
        const id = await runtime.createContainer(
          sandboxId,
          { name: c.name, attempt: 0, image: BUSYBOX_IMAGE, command: c.command, args: [], envs: [], labels: {}, annotations: {}, mounts: [], logPath: `${c.name}/0.log`, stdin: c.stdin, tty: c.tty },
          sandbox,
        );
        await runtime.startContainer(id);
        ids[c.name] = id;
      }
      return { sandboxId, containers: ids };
    },
    close,
  };
}
