// A Backend that keeps Secrets encrypted at rest: values under the secrets prefix pass through the
// transformer on every write and read (get, list, watch events, the answers of writes); all other
// keys, and everything above (ObjectStore, the codec, watches), are untouched.
import type { Backend, KeyValue, StorageEvent } from '../../storage/backend.js';
import type { ValueTransformer } from './value-transformer.js';

export const SECRETS_PREFIX = '/registry/core/secrets/';

export function encryptingBackend(inner: Backend, t: ValueTransformer, prefix = SECRETS_PREFIX): Backend {
  const ours = (key: string) => key.startsWith(prefix);
  const seen = (kv: KeyValue): KeyValue => (ours(kv.key) ? { ...kv, value: t.decrypt(kv.value, kv.key) } : kv);
  const stored = (key: string, value: string) => (ours(key) ? t.encrypt(value, key) : value);
  const overlaps = (p: string) => p.startsWith(prefix) || prefix.startsWith(p);
  return {
    name: inner.name,
    listChunk: inner.listChunk,
    currentRevision: () => inner.currentRevision(),
    compactedRevision: () => inner.compactedRevision(),
    async get(key) {
      const kv = await inner.get(key);
      return kv && seen(kv);
    },
    async list(opts) {
      const page = await inner.list(opts);
      return overlaps(opts.prefix) ? { ...page, items: page.items.map(seen) } : page;
    },
    create: async (key, value) => seen(await inner.create(key, stored(key, value))),
    update: async (key, value, rev) => seen(await inner.update(key, stored(key, value), rev)),
    delete: async (key, rev) => seen(await inner.delete(key, rev)),
    watch(opts, listener) {
      if (!overlaps(opts.prefix)) return inner.watch(opts, listener);
      return inner.watch(opts, (events) =>
        listener(events.map((ev): StorageEvent => (ours(ev.kv.key) ? { ...ev, kv: seen(ev.kv), ...(ev.prev ? { prev: seen(ev.prev) } : {}) } : ev))),
      );
    },
    compact: (rev) => inner.compact(rev),
    close: () => inner.close(),
  };
}
