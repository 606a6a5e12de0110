// The node's half of the built-in local-path provisioner. The server's provisioner makes a
// PersistentVolume whose hostPath is a directory under this node's storage directory (which the
// node announces on its Node, LOCAL_STORAGE_DIR_ANNOTATION); the directory is made when a pod
// first mounts it. When such a volume with reclaim policy Delete is deleted (its claim went), only
// this node can remove the directory: it follows PersistentVolumes and removes it. Volumes deleted
// while the node was down are caught at the next start: the node keeps, in its storage directory,
// the names of the directories it may remove (`.reclaim-delete`), and removes those no volume names
// any more. A Retain volume's directory is never removed, even when its volume is deleted by hand.
import { readdir, readFile, rm, writeFile, mkdir, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PersistentVolumeSpec } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import { listAndWatch } from '../../client/list-watch.js';
import type { KObject } from '../../registry/types.js';

const volumesType = { group: '', version: 'v1', resource: 'persistentvolumes' };
const RECORD = '.reclaim-delete';

export interface LocalStorageOptions {
  client: Client;
  /** `<data dir>/storage`. */
  storageDir: string;
  log?(msg: string, fields?: Record<string, unknown>): void;
  onError?(err: unknown): void;
}

const specOf = (pv: KObject) => (pv.spec ?? {}) as PersistentVolumeSpec;
const pathOf = (pv: KObject) => specOf(pv).hostPath?.path ?? specOf(pv).local?.path;
const deletes = (pv: KObject) => specOf(pv).persistentVolumeReclaimPolicy === 'Delete';

/** Removes the directories of deleted Delete volumes; resolves once the watch is established. */
export async function runLocalStorageCleanup(o: LocalStorageOptions, signal: AbortSignal): Promise<void> {
  const root = o.storageDir.replace(/\/+$/, '');
  const mine = (path: string | undefined): path is string => !!path && path.startsWith(`${root}/pvc-`) && !path.slice(root.length + 1).includes('/');
  /** Directory names this node may remove once no volume names them. */
  let removable = new Set<string>();
  try {
    removable = new Set((await readFile(join(root, RECORD), 'utf8')).split('\n').filter(Boolean));
  } catch {
    // nothing recorded yet
  }
  let writing = Promise.resolve();
  const save = () => {
    const text = [...removable].sort().join('\n') + '\n';
    writing = writing.then(async () => {
      await mkdir(root, { recursive: true });
      await writeFile(join(root, `${RECORD}.tmp`), text);
      await rename(join(root, `${RECORD}.tmp`), join(root, RECORD));
    }).catch((err) => o.onError?.(err));
  };
  const remove = async (dir: string, why: string) => {
    try {
      await rm(dir, { recursive: true, force: true });
      removable.delete(basename(dir));
      save();
      o.log?.('removed local volume directory', { dir, why });
    } catch (err) {
      o.onError?.(err);
    }
  };
  const note = (pv: KObject) => {
    const p = pathOf(pv);
    if (!mine(p)) return;
    const name = basename(p);
    if (deletes(pv) && !removable.has(name)) {
      removable.add(name);
      save();
    } else if (!deletes(pv) && removable.delete(name)) save();
  };

  await listAndWatch(
    {
      client: o.client,
      type: volumesType,
      onList: (items) => {
        items.forEach(note);
        const named = new Set(items.map(pathOf).filter(mine).map((p) => basename(p)));
        void readdir(root).then(
          (entries) => Promise.all(entries.filter((e) => removable.has(e) && !named.has(e)).map((e) => remove(join(root, e), 'its volume was deleted while the node was away'))),
          () => undefined, // no volume was ever made here
        );
      },
      onEvent: (ev) => {
        const p = pathOf(ev.object);
        if (!mine(p)) return;
        if (ev.type !== 'DELETED') note(ev.object);
        else if (removable.has(basename(p)) || deletes(ev.object)) void remove(p, `PersistentVolume ${ev.object.metadata.name} was deleted`);
      },
      onError: o.onError,
    },
    signal,
  );
}
