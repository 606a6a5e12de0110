// Lets a test end a real backend's open watches the way a compaction beneath them does (an etcd watch
// resuming after an outage, a SQL feed that fell behind): the watch stops and its onError gets a
// StorageError('Compacted'). Everything else about the backend stays real.
import { StorageError, type Backend, type WatchHandle, type WatchOptions } from '../../src/storage/backend.js';

export interface ExpiringWatches {
  /** Open watches whose key prefix contains `part` (e.g. '/configmaps/'). */
  open(part?: string): number;
  /** Ends those watches with 'Compacted'; returns how many. */
  expire(part?: string): Promise<number>;
  restore(): void;
}

export function expiringWatches(backend: Backend): ExpiringWatches {
  const saved = backend.watch;
  const open = new Set<{ opts: WatchOptions; handle: WatchHandle }>();
  const watch: Backend['watch'] = async (opts, listener) => {
    const handle = await saved.call(backend, opts, listener);
    const entry = { opts, handle };
    open.add(entry);
    return {
      cancel: () => {
        open.delete(entry);
        handle.cancel();
      },
    };
  };
  Object.assign(backend, { watch });
  const matching = (part: string) => [...open].filter((e) => e.opts.prefix.includes(part));
  return {
    open: (part = '') => matching(part).length,
    async expire(part = '') {
      const revision = await backend.currentRevision();
      const ended = matching(part);
      for (const e of ended) {
        open.delete(e);
        e.handle.cancel();
        e.opts.onError?.(new StorageError('Compacted', `events after some revision were compacted (to ${revision}) before they could be delivered`, revision));
      }
      return ended.length;
    },
    restore: () => Object.assign(backend, { watch: saved }),
  };
}
