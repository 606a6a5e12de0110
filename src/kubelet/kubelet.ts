// The kubelet: registers the Node, keeps its status and Lease fresh, and runs the pods bound to it
// through a ContainerRuntime. Pods are synced by a few workers from one de-duplicating queue, fed by
// the pod watch, runtime container events and timers (back-off, probe delays). Cheap at rest: a
// node whose pods are all running does nothing but renew its lease; its Node status is written when
// it changes and otherwise every few minutes (upstream's nodeStatusReportFrequency), so 100 idle nodes
// do not wake every controller that follows Nodes ten times a second.
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createEventRecorder } from '../client/events.js';
import type { Client } from '../client/types.js';
import { WorkQueue } from '../client/work-queue.js';
import type { KObject } from '../registry/types.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { ImagePuller } from './images/image-puller.js';
import { ImageGc, nodeImageList } from './images/image-gc.js';
import { RestartBackoff } from './backoff.js';
import { renewNodeLease } from './lease.js';
import { listAndWatch } from '../client/list-watch.js';
import { apiTime, nodeConditions, sameConditions, type ExtraConditions } from './node-conditions.js';
import type { PodDnsSettings } from '../dns/pod-dns.js';
import { hostInfo, nodeResources, type CapacityOverrides } from './node-info.js';
import { nodesType, registerNode, type NodeIdentity } from './node-registration.js';
import { PodCache } from './pod-cache.js';
import { PodSync, podsType } from './pod-sync.js';
import { ProbeManager } from './probes/prober.js';
import { createPodVolumes, type MountOps } from './volumes/index.js';
import { runProbe } from './probes/probe.js';
import type { ProbeAttempt, ProbeKind, ProbeTarget } from './probes/types.js';
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { Summary } from '../metrics/summary.js';
import { StatsCollector, type StatsTarget } from './stats/collector.js';
import { readHostUsage } from './stats/host-usage.js';
import type { PodState } from './pod-state.js';
import { measuredRuntime } from './metrics.js';
import { LOCAL_STORAGE_DIR_ANNOTATION } from '../registry/kinds/persistentvolume.js';
import { runLocalStorageCleanup } from './volumes/local-storage.js';

export type KubeletLog = (msg: string, fields?: Record<string, unknown>) => void;

export interface KubeletOptions {
  client: Client;
  nodeName: string;
  nodeIP: string;
  /** The kubernetes.io/hostname label and Hostname address; the node name by default. */
  hostname?: string;
  labels?: Record<string, string>;
  /** Set at registration only (--node-taint). */
  taints?: Taint[];
  runtime: ContainerRuntime;
  /** Where ephemeral-storage capacity is measured (statfs); none reported without it. */
  dataDir?: string;
  /** Where the runtime writes container logs (default: <dataDir>/agent/pods/logs). */
  logRoot?: string;
  /** Where pod volumes live on the host (default: <dataDir>/agent/pods/volumes). */
  volumeRoot?: string;
  /** How often running pods are looked at again without an event (mounted ConfigMaps and Secrets
   *  follow changes then): 60 s, as upstream's sync frequency. */
  resyncMs?: number;
  capacity?: CapacityOverrides;
  /** Reported as kubeletVersion and kubeProxyVersion; the wiring passes the API server's version. */
  version?: string;
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  statusUpdateIntervalMs?: number;
  /** How long an unchanged Node status goes unwritten (5 min, as upstream); the Lease carries liveness. */
  statusReportIntervalMs?: number;
  /** CrashLoopBackOff: first delay and cap (10 s and 5 min, as upstream). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How soon a container that could not be configured (a missing ConfigMap) is tried again. */
  configRetryMs?: number;
  /** Image garbage collection: how often it looks (5 min) and its disk thresholds (85 % / 80 %). */
  imageGcIntervalMs?: number;
  imageGcHighThresholdPercent?: number;
  imageGcLowThresholdPercent?: number;
  /** Pods synced at the same time. */
  workers?: number;
  /** How often container and node usage are read for the Summary API (10 s, as cAdvisor's
   *  housekeeping); 0 reads only when asked. */
  statsIntervalMs?: number;
  /** The shortest window a CPU rate is given for (5 s). */
  statsMinWindowMs?: number;
  /** Cluster DNS for pods' resolv.conf (dnsPolicy ClusterFirst). */
  dns?: PodDnsSettings;
  /** Conditions other parts of the node own (the pod network's), posted with the kubelet's own. */
  extraConditions?: ExtraConditions;
  log?: KubeletLog;
}

export interface ContainerRef {
  id: string;
}

export interface Kubelet {
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  /** Resolves once every worker and loop has stopped, after the start signal aborted. */
  readonly stopped: Promise<void>;
  /** The pods bound to this node, as last seen (with the status this kubelet wrote). */
  pods(): KObject[];
  /**
   * The runtime container behind namespace/pod/container: its current instance, or with
   * `previous` the one before it. A string is the reason there is none, as the kubelet says it.
   */
  findContainer(namespace: string, pod: string, container: string, opts?: { previous?: boolean }): ContainerRef | string;
  /** The runtime sandbox of namespace/pod (what port-forward connects into), or why there is none. */
  findSandbox(namespace: string, pod: string): ContainerRef | string;
  /** What the container's current instance was started with (after env and $(VAR) expansion). */
  containerEnv(namespace: string, pod: string, container: string): { command: string[]; args: string[]; env: Array<{ name: string; value: string }> } | string;
  /** Resource usage of the node and its pods (the Summary API); undefined when the runtime cannot
   *  measure any. */
  summary(): Promise<Summary> | undefined;
}

export const defaultKubeletVersion = 'v1.32.0+k3ts';

export async function startKubelet(opts: KubeletOptions, signal: AbortSignal): Promise<Kubelet> {
  const log: KubeletLog = opts.log ?? (() => undefined);
  const client = opts.client;
  const nodeName = opts.nodeName;
  const statusEvery = opts.statusUpdateIntervalMs ?? 10_000;
  const leaseEvery = opts.leaseRenewIntervalMs ?? 10_000;
  const reportEvery = opts.statusReportIntervalMs ?? 5 * 60_000;
  const report = (what: string) => (err: unknown) => log(what, { node: nodeName, error: (err as Error)?.message ?? String(err) });

  // Every runtime call from here on is timed for kubelet_runtime_operations_duration_seconds.
  opts = { ...opts, runtime: measuredRuntime(opts.runtime) };
  const version = await opts.runtime.version();
  const resources = await nodeResources(opts.dataDir, opts.capacity);
  // Local-path volumes of this node live here (the provisioner reads it from the Node).
  const storageDir = opts.dataDir ? join(opts.dataDir, 'storage') : undefined;
  const identity: NodeIdentity = {
    nodeName,
    nodeIP: opts.nodeIP,
    hostname: opts.hostname ?? nodeName,
    labels: opts.labels ?? {},
    taints: opts.taints ?? [],
    kubeletVersion: opts.version ?? defaultKubeletVersion,
    containerRuntimeVersion: `${version.name}://${version.version}`,
    resources,
    host: hostInfo(),
    ...(storageDir ? { annotations: { [LOCAL_STORAGE_DIR_ANNOTATION]: storageDir } } : {}),
  };
  const recorder = createEventRecorder(client, { component: 'kubelet', host: nodeName }, report('event'));
  // Events about a Node name it by its name as uid, which `kubectl describe node` looks for.
  const nodeRef = { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, uid: nodeName } } as KObject;

  let lastNode: Node | undefined;
  let ready: boolean | undefined;
  // The runtime's word on its pod network, asked at each heartbeat and whenever the podCIDR changes.
  let network = { ready: false, why: undefined as string | undefined };
  let podCidr: string | undefined;
  const refreshNetwork = async (node: Node | undefined) => {
    const cidr = node?.spec?.podCIDR;
    if (cidr && cidr !== podCidr) {
      await opts.runtime.updatePodCidr(cidr);
      podCidr = cidr;
    }
    const st = await opts.runtime.status();
    const was = network.ready;
    network = { ready: st.networkReady && st.runtimeReady, why: st.runtimeReady ? st.networkMessage : 'the container runtime is not ready' };
    return !was && network.ready;
  };
  const networkReady = () => network.ready;

  const registered = (await registerNode(client, identity, nodeConditions(false, undefined, apiTime()))) as Node;
  lastNode = registered;
  await refreshNetwork(registered);
  const nodeUid = registered.metadata!.uid!;
  recorder.normal(nodeRef, 'Starting', 'Starting kubelet.');
  for (const reason of ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID']) {
    recorder.normal(nodeRef, reason, `Node ${nodeName} status is now: ${reason}`);
  }
  recorder.normal(nodeRef, 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');

  // One status write at a time: a heartbeat and a condition change at once would race, and the
  // older could land last.
  let posting: Promise<void> = Promise.resolve();
  let postedAt = 0;
  const postStatus = () => (posting = posting.catch(() => undefined).then(writeStatus));
  const writeStatus = async () => {
    if (await refreshNetwork(lastNode)) for (const key of cache.keys()) queue.add(key);
    const nowReady = networkReady();
    const conditions = nodeConditions(nowReady, lastNode?.status?.conditions, apiTime(), network.why, opts.extraConditions?.current());
    // The images go along only when they changed: the list is the largest part of a Node.
    const images = nodeImageList(await opts.runtime.images.listImages());
    const sameImages = isDeepStrictEqual(images, lastNode?.status?.images ?? []);
    // lastNode follows the Node's watch, so conditions someone else changed (Unknown from the node
    // lifecycle controller) count as a change and are put right at once.
    if (sameImages && sameConditions(conditions, lastNode?.status?.conditions) && Date.now() - postedAt < reportEvery) return;
    const status = sameImages ? { conditions } : { conditions, images };
    const stored = (await client.patch(nodesType, undefined, nodeName, { type: 'strategic', body: { status } }, { subresource: 'status' })) as Node;
    postedAt = Date.now();
    lastNode = stored;
    if (ready !== nowReady) {
      if (ready !== undefined || nowReady) recorder.normal(nodeRef, nowReady ? 'NodeReady' : 'NodeNotReady', `Node ${nodeName} status is now: ${nowReady ? 'NodeReady' : 'NodeNotReady'}`);
      ready = nowReady;
    }
  };
  const queue = new WorkQueue();
  signal.addEventListener('abort', () => queue.close(), { once: true });
  const enqueue = (key: string, afterMs?: number) => (afterMs ? queue.addAfter(key, afterMs) : queue.add(key));
  const cache = new PodCache();
  const probes = new ProbeManager({
    runtime: opts.runtime,
    onResult: (change) => queue.add(change.podKey),
    onEvent: (ev) => {
      const pod = cache.get(ev.podKey);
      if (pod) recorder.warning(pod, ev.reason, ev.message);
    },
    // Simulated pods have addresses nothing listens on: their network probes pass, their exec
    // probes run through the simulator's interpreter like its containers do.
    ...(version.name === 'sim' ? { runProbe: simulatedProbe(opts.runtime) } : {}),
  });
  signal.addEventListener('abort', () => probes.stop(), { once: true });
  const simulated = version.name === 'sim';
  const volumes = createPodVolumes({
    client,
    root: opts.volumeRoot ?? join(opts.dataDir ?? tmpdir(), 'agent', 'pods', 'volumes'),
    nodeName,
    nodeIP: opts.nodeIP,
    allocatable: () => resources.allocatable,
    // Simulated containers never read their files: no tmpfs (nor root) needed for them.
    ...(simulated ? { mount: noMounts, memoryBackedSecrets: false } : {}),
    log,
  });
  await postStatus();
  await renewNodeLease({ client, nodeName, nodeUid, leaseDurationSeconds: opts.leaseDurationSeconds ?? 40 });

  const sync = new PodSync({
    client,
    runtime: opts.runtime,
    runtimeName: version.name,
    recorder,
    nodeName,
    nodeIP: opts.nodeIP,
    networkReady,
    logRoot: opts.logRoot ?? join(opts.dataDir ?? tmpdir(), 'agent', 'pods', 'logs'),
    ...(opts.dns ? { dns: opts.dns } : {}),
    allocatable: () => resources.allocatable,
    backoff: new RestartBackoff({ initialMs: opts.backoffInitialMs ?? 10_000, maxMs: opts.backoffMaxMs ?? 300_000 }),
    puller: new ImagePuller({ images: opts.runtime.images, client, recorder, backoffInitialMs: opts.backoffInitialMs, backoffMaxMs: opts.backoffMaxMs }),
    configRetryMs: opts.configRetryMs ?? 10_000,
    cache,
    probes,
    volumes,
    volumeRefreshMs: opts.resyncMs ?? 60_000,
    enqueue,
    log,
    signal,
  });

  const unsubscribe = opts.runtime.subscribe((ev) => {
    if (ev.type !== 'stopped') return;
    const key = sync.keyOfSandbox(ev.sandboxId);
    if (key) queue.add(key);
  });
  signal.addEventListener('abort', unsubscribe, { once: true });

  // The podCIDR arrives from the server's IPAM controller: the node turns Ready and waiting pods start.
  await listAndWatch(
    {
      client,
      type: nodesType,
      fieldSelector: `metadata.name=${nodeName}`,
      onList: (items) => items.forEach(onNode),
      onEvent: (ev) => ev.type !== 'DELETED' && onNode(ev.object),
      onError: report('node watch'),
    },
    signal,
  );
  if (storageDir) await runLocalStorageCleanup({ client, storageDir, log, onError: report('local volume cleanup') }, signal);
  function onNode(obj: KObject): void {
    const node = obj as Node;
    lastNode = node;
    if (node.spec?.podCIDR && node.spec.podCIDR !== podCidr) postStatus().catch(report('node status'));
  }

  // Pods the runtime still runs from before this start are taken over, not started again.
  await sync.learnRuntime();
  let firstList = true;
  await listAndWatch(
    {
      client,
      type: podsType,
      fieldSelector: `spec.nodeName=${nodeName}`,
      onList: (items) => {
        const present = new Set<string>();
        for (const pod of items) {
          const key = cache.set(pod);
          present.add(key);
          // Pods that were running before this start: their state is made before any pass runs.
          if (firstList) sync.adopt(key, cache.get(key) as Pod);
          queue.add(key);
        }
        if (firstList) {
          const uids = new Set(items.map((p) => p.metadata.uid!));
          // Pods deleted while the agent was down leave sandboxes and volume files behind.
          void sync
            .removeStrays(uids)
            .then(async () => {
              for (const uid of await volumes.listPods()) if (!uids.has(uid)) await volumes.tearDown(uid);
            })
            .catch(report('stray pods'));
        }
        firstList = false;
        for (const key of cache.keys()) {
          if (present.has(key)) continue;
          cache.delete(key);
          queue.add(key);
        }
      },
      onEvent: (ev) => {
        if (ev.type === 'DELETED') {
          const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
          if (cache.get(key)?.metadata.uid === ev.object.metadata.uid) cache.delete(key);
          queue.add(key);
        } else {
          const key = cache.observe(ev.object);
          if (key) queue.add(key);
        }
      },
      onError: report('pod watch'),
    },
    signal,
  );

  const worker = async () => {
    for (let key = await queue.next(); key !== undefined; key = await queue.next()) {
      try {
        const again = await sync.sync(key);
        queue.forget(key);
        if (again !== undefined && !signal.aborted) queue.addAfter(key, Math.max(1, again));
      } catch (err) {
        if (!signal.aborted) {
          report('pod sync')(err);
          queue.retry(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  const workers = Array.from({ length: opts.workers ?? 4 }, () => worker());
  const resync = async () => {
    for (const key of cache.keys()) queue.add(key);
  };
  const imageGc = new ImageGc({
    runtime: opts.runtime,
    highThresholdPercent: opts.imageGcHighThresholdPercent,
    lowThresholdPercent: opts.imageGcLowThresholdPercent,
    log,
  });
  const collectImages = async () => {
    if ((await imageGc.run()).removed.length) await postStatus();
  };
  const stopConditions = opts.extraConditions?.subscribe(() => void postStatus().catch(report('node status')));
  if (stopConditions) signal.addEventListener('abort', stopConditions, { once: true });
  const statsService = opts.runtime.stats;
  const stats = statsService
    ? new StatsCollector({
        nodeName,
        stats: statsService,
        // A simulated node's usage is its runtime's; a real node's is the machine's.
        nodeUsage: statsService.nodeStats ? () => statsService.nodeStats!() : () => readHostUsage(),
        targets: () => statsTargets(cache.values(), sync.states),
        ...(opts.statsMinWindowMs !== undefined ? { minWindowMs: opts.statsMinWindowMs } : {}),
      })
    : undefined;
  const statsEvery = opts.statsIntervalMs ?? 10_000;
  const loops = [every(opts.resyncMs ?? 60_000, resync, report('resync'), signal), every(opts.imageGcIntervalMs ?? 5 * 60_000, collectImages, report('image garbage collection'), signal), every(statusEvery, postStatus, report('node status'), signal), every(leaseEvery, () => renewNodeLease({ client, nodeName, nodeUid, leaseDurationSeconds: opts.leaseDurationSeconds ?? 40 }), report('node lease'), signal)];
  if (stats && statsEvery > 0) {
    // A first reading now, so rates exist one window after start rather than one interval later.
    stats.sample().catch(report('stats'));
    loops.push(every(statsEvery, () => stats.sample(), report('stats'), signal));
  }

  return {
    nodeName,
    runtime: opts.runtime,
    stopped: Promise.all([...workers, ...loops]).then(() => undefined),
    pods: () => cache.values(),
    findContainer(namespace, podName, container, o = {}) {
      const key = `${namespace}/${podName}`;
      const pod = cache.get(key);
      const st = sync.states.get(key);
      if (!pod) return `pod "${podName}" not found`;
      const slot = st && st.uid === pod.metadata.uid ? st.slots.find((s) => s.name === container) : undefined;
      if (o.previous) {
        if (!slot?.previousId) return `previous terminated container "${container}" in pod "${podName}" not found`;
        return { id: slot.previousId };
      }
      if (!slot?.currentId) return `container "${container}" in pod "${podName}" is not available`;
      return { id: slot.currentId };
    },
    findSandbox(namespace, podName) {
      const key = `${namespace}/${podName}`;
      const pod = cache.get(key);
      const st = sync.states.get(key);
      if (!pod) return `pod "${podName}" not found`;
      if (!st?.sandboxId || st.uid !== pod.metadata.uid) return `pod "${podName}" has no sandbox yet`;
      return { id: st.sandboxId };
    },
    containerEnv(namespace, podName, container) {
      const st = sync.states.get(`${namespace}/${podName}`);
      const slot = st?.slots.find((s) => s.name === container);
      return slot?.created ?? `container "${container}" in pod "${podName}" is not available`;
    },
    summary: () => stats?.summary(),
  };
}

/** The pods to report and their containers that should be running: finished init containers are
 *  left out (as upstream reports running containers only). */
function statsTargets(pods: KObject[], states: ReadonlyMap<string, PodState>): StatsTarget[] {
  const out: StatsTarget[] = [];
  for (const pod of pods) {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const st = states.get(key);
    if (!st || st.uid !== pod.metadata.uid || st.tornDown) continue;
    const containers = st.slots
      .filter((s) => s.currentId && !(s.init && !s.sidecar && st.initDone))
      .map((s) => ({ name: s.name, id: s.currentId! }));
    out.push({ namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: st.uid, ...(st.startTime ? { startTime: st.startTime } : {}), containers });
  }
  return out;
}

const noMounts: MountOps = { mountTmpfs: async () => undefined, unmount: async () => undefined, mountPointsUnder: async () => [] };

function simulatedProbe(runtime: ContainerRuntime) {
  return async (_kind: ProbeKind, probe: Probe, target: ProbeTarget): Promise<ProbeAttempt> =>
    probe.exec ? runProbe(probe, target, { runtime }) : { result: 'success', output: '' };
}

/** Calls `fn` every `ms` until `signal` aborts; resolves when stopped. */
function every(ms: number, fn: () => Promise<unknown>, onError: (err: unknown) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    let timer: NodeJS.Timeout;
    const tick = () => {
      fn()
        .catch((err) => !signal.aborted && onError(err))
        .finally(() => {
          if (!signal.aborted) timer = setTimeout(tick, ms);
        });
    };
    timer = setTimeout(tick, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
