// The kubelet's volume manager for one node: makes each pod's volumes on the host, keeps the
// API-backed ones (ConfigMap, Secret, downward API, projected) in step with the cluster, lists
// the bind mounts each container gets, and removes it all when the pod is gone. Operations on one
// pod run one at a time, so a refresh never writes into a volume a tear-down is removing.
import type { Container, Pod, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import { chmod, chown, mkdir, readdir, rm, stat } from 'node:fs/promises';
import type { Mount } from '../../runtime/types.js';
import { ContainerConfigError, expandRefs, resolveEnv } from '../env.js';
import { writeAtomically, type Payload } from './atomic-writer.js';
import { prepareHostPath } from './host-path.js';
import { prepareClaimVolume } from './claim-volume.js';
import { systemMountOps } from './mount-ops.js';
import { containerDirOf, podDirOf, volumeDirOf, type VolumeKind } from './paths.js';
import { configMapPayload, downwardAPIPayload, projectedPayload, secretPayload, SourceReader, type PayloadContext } from './payload.js';
import { resolveSubPath } from './sub-path.js';
import { createServiceAccountTokens } from './service-account-token.js';
import { createTerminationLog, readTerminationLog } from './termination-log.js';
import { ensureTmpfs, tmpfsSize } from './tmpfs.js';
import { VolumeError, type PodVolumes, type PodVolumesOptions, type VolumeLog } from './types.js';

/** Where a volume is on the host and how containers may use it. */
interface Prepared {
  dir: string;
  /** Mounted read-only whatever the volumeMount says: the kubelet owns the content. */
  readOnly: boolean;
  /** A missing subPath may be made as a directory. */
  makeSubPaths: boolean;
}

const API_KINDS = ['configMap', 'secret', 'downwardAPI', 'projected'] as const;

/** The volume's source field, e.g. persistentVolumeClaim. */
const sourceOf = (v: Volume) => Object.keys(v).find((k) => k !== 'name') ?? 'emptyDir';

const asVolumeError = (err: unknown, volume: string) =>
  err instanceof VolumeError ? err : new VolumeError((err as Error)?.message ?? String(err), { volume });

export function createPodVolumes(o: PodVolumesOptions): PodVolumes {
  const mount = o.mount ?? systemMountOps;
  const log: VolumeLog = (msg, fields) => o.log?.(msg, { node: o.nodeName, ...fields });
  const root = process.getuid?.() === 0;
  const memorySecrets = o.memoryBackedSecrets ?? root;
  const allocatable = o.allocatable ?? (() => ({}));
  const tmpfsKnown = new Set<string>();
  const queues = new Map<string, Promise<unknown>>();
  const tokens = createServiceAccountTokens(o.client);

  /** Runs `fn` after every earlier operation on the same pod. */
  function serialized<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prior = queues.get(uid) ?? Promise.resolve();
    const next = prior.catch(() => undefined).then(fn);
    queues.set(uid, next);
    const done = () => {
      if (queues.get(uid) === next) queues.delete(uid);
    };
    next.then(done, done);
    return next;
  }

  const uidOf = (pod: Pod) => {
    const uid = pod.metadata?.uid;
    if (!uid) throw new Error('pod has no uid');
    return uid;
  };

  /** The pod's fsGroup owns what the kubelet writes, when the kubelet may give files away. */
  const fsGroupOf = (pod: Pod) => (root ? pod.spec?.securityContext?.fsGroup : undefined);

  async function apiVolume(pod: Pod, v: Volume, kind: VolumeKind, payload: (ctx: PayloadContext) => Promise<Payload> | Payload, ctx: PayloadContext): Promise<Prepared> {
    const dir = volumeDirOf(o.root, uidOf(pod), kind, v.name);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    if (memorySecrets && (kind === 'secret' || kind === 'projected')) {
      await ensureTmpfs(mount, dir, tmpfsSize(undefined), tmpfsKnown);
      await chmod(dir, 0o755);
    }
    // Computed before anything is written: a missing source leaves the last good content in place.
    const files = await payload(ctx);
    await writeAtomically(dir, files, { gid: fsGroupOf(pod) });
    return { dir, readOnly: true, makeSubPaths: false };
  }

  async function emptyDir(pod: Pod, v: Volume): Promise<Prepared> {
    const src = v.emptyDir ?? {};
    const dir = volumeDirOf(o.root, uidOf(pod), 'empty-dir', v.name);
    await mkdir(dir, { recursive: true, mode: 0o777 });
    const medium = src.medium ?? '';
    if (medium === 'Memory') await ensureTmpfs(mount, dir, tmpfsSize(src.sizeLimit), tmpfsKnown);
    else if (medium !== '') throw new Error(`emptyDir medium ${JSON.stringify(medium)} is not supported by k3ts yet`);
    // Anyone in the container may write it, as upstream; with an fsGroup the group sticks to new files.
    const gid = fsGroupOf(pod);
    if (gid !== undefined) await chown(dir, -1, gid);
    await chmod(dir, gid !== undefined ? 0o2777 : 0o777);
    return { dir, readOnly: false, makeSubPaths: true };
  }

  /** One volume made ready; `report` is false on refreshes so skipped sources are logged once. */
  async function prepare(pod: Pod, v: Volume, sources: SourceReader, report: boolean): Promise<Prepared> {
    const ctx: PayloadContext = { pod, volume: v.name, sources, nodeIP: o.nodeIP, allocatable, log, report, tokens };
    const kind = sourceOf(v);
    switch (kind) {
      case 'emptyDir':
        return emptyDir(pod, v);
      case 'hostPath':
        await prepareHostPath(v.hostPath!.path, v.hostPath!.type);
        return { dir: v.hostPath!.path, readOnly: false, makeSubPaths: true };
      case 'configMap':
        return apiVolume(pod, v, 'configmap', (c) => configMapPayload(c, v.configMap!), ctx);
      case 'secret':
        return apiVolume(pod, v, 'secret', (c) => secretPayload(c, v.secret!), ctx);
      case 'downwardAPI':
        return apiVolume(pod, v, 'downward-api', (c) => downwardAPIPayload(c, v.downwardAPI!), ctx);
      case 'projected':
        return apiVolume(pod, v, 'projected', (c) => projectedPayload(c, v.projected!), ctx);
      case 'persistentVolumeClaim': {
        const src = v.persistentVolumeClaim!;
        const dir = await prepareClaimVolume({ client: o.client, namespace: pod.metadata?.namespace ?? 'default', volume: v.name, claimName: src.claimName });
        return { dir, readOnly: src.readOnly === true, makeSubPaths: true };
      }
      default:
        throw new VolumeError(`${kind} volumes are not supported by k3ts yet`, { volume: v.name });
    }
  }

  /** Every volume is tried so the good ones are ready; the first failure is thrown afterwards. */
  async function prepareAll(pod: Pod, volumes: Volume[], report: boolean): Promise<Map<string, Prepared>> {
    const sources = new SourceReader(o.client, pod.metadata?.namespace ?? 'default');
    const out = new Map<string, Prepared>();
    let first: VolumeError | undefined;
    for (const v of volumes) {
      try {
        out.set(v.name, await prepare(pod, v, sources, report));
      } catch (err) {
        const e = asVolumeError(err, v.name);
        if (first) log('volume set-up failed', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, volume: v.name, error: e.message });
        first ??= e;
      }
    }
    if (first) throw first;
    return out;
  }

  async function mountsOf(pod: Pod, c: Container, prepared: Map<string, Prepared>): Promise<Mount[]> {
    const mounts: Mount[] = [];
    let env: Map<string, string> | undefined;
    const fail = (m: VolumeMount, why: string) =>
      new VolumeError(`failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}": ${why}`, { volume: m.name, reason: 'CreateContainerConfigError' });
    for (const m of c.volumeMounts ?? []) {
      const vol = prepared.get(m.name);
      if (!vol) throw new VolumeError(`volumeMount "${m.name}" of container "${c.name}" names no volume of the pod`, { volume: m.name, reason: 'CreateContainerConfigError' });
      let subPath = m.subPath ?? '';
      if (m.subPathExpr) {
        // Expanded from the container's own environment, as upstream does ($(POD_NAME) and the like).
        try {
          env ??= new Map((await resolveEnv(o.client, envInputs(pod, c))).map((e) => [e.key, e.value]));
        } catch (err) {
          if (err instanceof ContainerConfigError) throw new VolumeError(err.message, { volume: m.name, reason: 'CreateContainerConfigError' });
          throw err;
        }
        subPath = expandRefs(m.subPathExpr, env);
      }
      let hostPath = vol.dir;
      if (subPath) {
        try {
          hostPath = await resolveSubPath(vol.dir, subPath, { create: vol.makeSubPaths });
        } catch (err) {
          throw fail(m, (err as Error).message);
        }
      }
      mounts.push({ containerPath: m.mountPath, hostPath, readOnly: vol.readOnly || m.readOnly === true });
    }
    return mounts;
  }

  const envInputs = (pod: Pod, c: Container) => {
    const s = pod.status ?? {};
    return {
      pod,
      container: c,
      podIPs: s.podIPs?.map((p) => p.ip ?? '').filter((ip) => ip) ?? (s.podIP ? [s.podIP] : []),
      hostIPs: s.hostIP ? [s.hostIP] : o.nodeIP ? [o.nodeIP] : [],
      nodeAllocatable: allocatable(),
    };
  };

  const exists = (p: string) => stat(p).then(() => true, () => false);

  return {
    podDir: (uid) => podDirOf(o.root, uid),

    async listPods() {
      try {
        return (await readdir(o.root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },

    async setUp(pod) {
      const uid = uidOf(pod);
      return serialized(uid, async () => {
        await mkdir(podDirOf(o.root, uid), { recursive: true, mode: 0o750 });
        const prepared = await prepareAll(pod, pod.spec?.volumes ?? [], true);
        const out = new Map<string, Mount[]>();
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) out.set(c.name, await mountsOf(pod, c, prepared));
        return out;
      });
    },

    async refresh(pod) {
      const uid = uidOf(pod);
      return serialized(uid, async () => {
        // Never set up, or torn down already: nothing to keep in step, and nothing to recreate.
        if (!(await exists(podDirOf(o.root, uid)))) return;
        const volumes = (pod.spec?.volumes ?? []).filter((v) => API_KINDS.some((k) => k in v));
        await prepareAll(pod, volumes, false);
      });
    },

    tearDown(uid) {
      return serialized(uid, async () => {
        tokens.forget(uid);
        const dir = podDirOf(o.root, uid);
        // Deepest first, so a mount inside another comes off before its parent.
        const points = (await mount.mountPointsUnder(dir)).sort((a, b) => b.length - a.length);
        for (const p of points) await mount.unmount(p);
        for (const known of tmpfsKnown) if (known.startsWith(dir + '/')) tmpfsKnown.delete(known);
        // A removal must never reach through a mount into what it shows.
        const left = await mount.mountPointsUnder(dir);
        if (left.length) throw new Error(`cannot remove ${dir}: still mounted: ${left.join(', ')}`);
        await rm(dir, { recursive: true, force: true });
      });
    },

    async terminationLog(pod, container, restartCount) {
      const uid = uidOf(pod);
      return serialized(uid, () => createTerminationLog(containerDirOf(o.root, uid, container.name), container, restartCount));
    },

    readTerminationMessage(uid, containerName, restartCount) {
      return readTerminationLog(containerDirOf(o.root, uid, containerName), restartCount);
    },
  };
}
