// The node's half of the built-in local-path provisioner. The server's provisioner makes a
// PersistentVolume whose hostPath is a directory under this node's storage directory (which the
// node announces on its Node, LOCAL_STORAGE_DIR_ANNOTATION); the directory is made when a pod
// first mounts it. When that volume is deleted (its claim went and its reclaim policy is Delete),
// only this node can remove the directory: it follows PersistentVolumes and removes any
// `pvc-*` directory no volume names any more. Retained volumes keep their directories.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersistentVolumeSpec } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import { listAndWatch } from '../../client/list-watch.js';
import type { KObject } from '../../registry/types.js';

const volumesType = { group: '', version: 'v1', resource: 'persistentvolumes' };

export interface LocalStorageOptions {
  client: Client;
  /** `<data dir>/storage`. */
  storageDir: string;
  log?(msg: string, fields?: Record<string, unknown>): void;
  onError?(err: unknown): void;
}

const pathOf = (pv: KObject) => {
  const spec = (pv.spec ?? {}) as PersistentVolumeSpec;
  return spec.hostPath?.path ?? spec.local?.path;
};

/** Removes what no volume names; resolves once the first list has been handled. */
export async function runLocalStorageCleanup(o: LocalStorageOptions, signal: AbortSignal): Promise<void> {
  const root = o.storageDir.replace(/\/+$/, '');
  const known = new Map<string, string>(); // volume name → its path
  const mine = (path: string | undefined): path is string => !!path && path.startsWith(`${root}/pvc-`) && !path.slice(root.length + 1).includes('/');

  const remove = async (dir: string, why: string) => {
    try {
      await rm(dir, { recursive: true, force: true });
      o.log?.('removed local volume directory', { dir, why });
    } catch (err) {
      o.onError?.(err);
    }
  };
  const sweep = async () => {
    let entries: string[];
    try {
      entries = await readdir(root);
    } catch {
      return; // no volume was ever made here
    }
    const named = new Set(known.values());
    for (const e of entries) {
      const dir = join(root, e);
      if (e.startsWith('pvc-') && !named.has(dir)) await remove(dir, 'no PersistentVolume names it');
    }
  };

  await listAndWatch(
    {
      client: o.client,
      type: volumesType,
      onList: (items) => {
        known.clear();
        for (const pv of items) {
          const p = pathOf(pv);
          if (mine(p)) known.set(pv.metadata.name!, p);
        }
        void sweep();
      },
      onEvent: (ev) => {
        const p = pathOf(ev.object);
        if (!mine(p)) return;
        if (ev.type === 'DELETED') {
          known.delete(ev.object.metadata.name!);
          if (![...known.values()].includes(p)) void remove(p, `PersistentVolume ${ev.object.metadata.name} was deleted`);
        } else known.set(ev.object.metadata.name!, p);
      },
      onError: o.onError,
    },
    signal,
  );
}
