// The manifests directory, watched: a pass over every file at start, then one shortly after any
// change the kernel reports (fs.watch; a burst of writes becomes one pass), and a rescan every
// `rescanMs` in case a notification was missed (network file systems, a directory replaced).
// Passes never overlap, and a file whose size, mtime and inode have not changed since it was last
// applied is not even read. Runs on the controllers' leader only (control-plane.ts).
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import type { Client } from '../../client/types.js';
import { createEventRecorder } from '../../client/events.js';
import type { Registry } from '../../apiserver/resources/context.js';
import type { Logger } from '../log.js';
import { ADDON_NAMESPACE, ADDON_TYPE, ensureAddonKind } from './addon-kind.js';
import { deployFile, removeFileObjects, type DeployContext } from './deploy-file.js';
import { listFileNames, selectManifests } from './files.js';

export interface AutoDeployOptions {
  client: Client;
  registry: Pick<Registry, 'findByKind'>;
  /** `<data-dir>/server/manifests`, made if missing. */
  dir: string;
  /** `--disable` names: files called so have what they applied removed. */
  disabled?: readonly string[];
  log: Logger;
  /** The fallback rescan (K3s rescans every 15 s). */
  rescanMs?: number;
  /** How long after the first change notification a pass starts. */
  debounceMs?: number;
}

export interface AutoDeploy {
  readonly stopped: Promise<void>;
  /** Resolves after the next complete pass (tests and benchmarks). */
  settled(): Promise<void>;
}

export const DEPLOY_FIELD_MANAGER = 'k3ts-deploy';

const errorText = (err: unknown) => (err as Error)?.message ?? String(err);
const statKey = (s: { size: number; mtimeMs: number; ino: number }) => `${s.size}:${s.mtimeMs}:${s.ino}`;

export async function runAutoDeploy(o: AutoDeployOptions, signal: AbortSignal): Promise<AutoDeploy> {
  // Nothing here may keep the server from starting: a directory that cannot be made, or an Addon
  // kind not served yet, is logged by the pass and tried again by the next one.
  await mkdir(o.dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
  let addonKindReady = false;
  const c: DeployContext = {
    client: o.client,
    registry: o.registry,
    events: createEventRecorder(o.client, { component: 'k3ts-deploy' }, (err) => o.log.warn('manifest event', { error: errorText(err) })),
    log: o.log,
    fieldManager: DEPLOY_FIELD_MANAGER,
  };
  // path → stat of the version last applied (or found already applied).
  const done = new Map<string, string>();
  const disabledDone = new Set<string>();

  const settleMs = o.debounceMs ?? 100;
  const pass = async () => {
    if (!addonKindReady) {
      await mkdir(o.dir, { recursive: true, mode: 0o700 });
      await ensureAddonKind(o.client, o.registry, signal);
      addonKindReady = true;
      startWatching();
    }
    const selection = selectManifests(o.dir, await listFileNames(o.dir), o.disabled ?? []);
    const present = new Set(selection.apply.map((f) => f.path));
    for (const path of done.keys()) if (!present.has(path)) done.delete(path);
    // A deleted Addon asks for its file to be applied again, as `kubectl delete addon <name> -n
    // kube-system` does in K3s.
    if (done.size > 0) {
      const recorded = new Set((await o.client.list(ADDON_TYPE, { namespace: ADDON_NAMESPACE })).items.map((a) => a.metadata.name));
      for (const file of selection.apply) if (!recorded.has(file.addon)) done.delete(file.path);
    }
    for (const file of selection.disabled) {
      if (signal.aborted || disabledDone.has(file.path)) continue;
      try {
        await removeFileObjects(c, file);
        disabledDone.add(file.path);
      } catch (err) {
        o.log.warn('manifest: cannot remove a disabled file\'s objects', { file: file.path, error: errorText(err) });
      }
    }
    for (const file of selection.apply) {
      if (signal.aborted) return;
      try {
        const s = await stat(file.path);
        if (done.get(file.path) === statKey(s)) continue;
        // Written a moment ago: perhaps still being written (`cat >` truncates first), and an
        // empty file would delete everything it applied. Look again once it has been still. (An
        // mtime in the future, from a copy that kept it, is not waited for.)
        const age = Date.now() - s.mtimeMs;
        if (age >= 0 && age < settleMs) {
          schedule(settleMs);
          continue;
        }
        const outcome = await deployFile(c, file);
        if (outcome === 'failed') done.delete(file.path);
        else done.set(file.path, statKey(s));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        // The API refused the record itself (e.g. the datastore is down): try again next pass.
        o.log.warn('manifest: pass failed', { file: file.path, error: errorText(err) });
      }
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let waiters: Array<() => void> = [];
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    const settle = waiters;
    waiters = [];
    running = pass()
      .catch((err) => o.log.warn('manifests: pass failed', { dir: o.dir, error: errorText(err) }))
      .finally(() => {
        running = undefined;
        for (const w of settle) w();
        if (again && !signal.aborted) {
          again = false;
          schedule(0);
        }
      });
  };
  const schedule = (delayMs: number) => {
    if (timer || signal.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      run();
    }, delayMs);
  };

  let watcher: FSWatcher | undefined;
  const startWatching = () => {
    if (watcher || signal.aborted) return;
    try {
      watcher = watch(o.dir, { persistent: false }, () => schedule(o.debounceMs ?? 100));
      watcher.on('error', (err) => {
        o.log.warn('manifests: watch failed; rescanning every interval', { dir: o.dir, error: errorText(err) });
        watcher?.close();
        watcher = undefined;
      });
    } catch (err) {
      o.log.warn('manifests: cannot watch; rescanning every interval', { dir: o.dir, error: errorText(err) });
    }
  };
  startWatching();
  const rescan = setInterval(() => {
    if (!watcher) void mkdir(o.dir, { recursive: true }).then(startWatching, () => undefined);
    schedule(0);
  }, o.rescanMs ?? 15_000);
  schedule(0);

  const stopped = new Promise<void>((resolve) => {
    const end = () => {
      clearInterval(rescan);
      clearTimeout(timer);
      watcher?.close();
      void (running ?? Promise.resolve()).then(() => resolve());
    };
    if (signal.aborted) end();
    else signal.addEventListener('abort', end, { once: true });
  });
  return {
    stopped,
    settled: () => new Promise<void>((resolve) => {
      waiters.push(resolve);
      schedule(0);
    }),
  };
}
