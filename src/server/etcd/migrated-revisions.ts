// After a move from SQLite (sqlite-migration.ts) etcd numbers revisions from 1 again, while clients
// may still hold resourceVersions from SQLite's far longer history. etcd takes a watch from a
// revision it has not reached as "wait until then", so a client resuming its watch with such a
// version would hear nothing until etcd's revision caught up. This wrapper answers such watches and
// reads as expired (StorageError 'Compacted': 410 Gone, "too old resource version"), which makes
// clients list again and so see the moved objects with their new versions — what a client does
// after a compaction. Only versions above etcd's current revision and at most SQLite's last are
// concerned; once etcd's own revision passes SQLite's, the wrapper changes nothing.
import { StorageError, type Backend } from '../../storage/backend.js';
import { MIGRATION_RECORD_KEY, type MigrationRecord } from './sqlite-migration.js';

export async function guardMigratedRevisions(inner: Backend): Promise<Backend> {
  const kv = await inner.get(MIGRATION_RECORD_KEY);
  if (!kv) return inner;
  const { sqliteRevision } = JSON.parse(kv.value) as MigrationRecord;
  let passed = false;
  /** Throws when `revision` can only be one from before the move. */
  const check = async (revision: number | undefined, what: string) => {
    if (passed || revision === undefined || revision > sqliteRevision) return;
    const current = await inner.currentRevision();
    if (current >= sqliteRevision) passed = true;
    if (revision > current) throw new StorageError('Compacted', `${what} at revision ${revision}: that revision is from the SQLite datastore this cluster was moved from; list again`, current);
  };
  return {
    name: inner.name,
    listChunk: inner.listChunk,
    currentRevision: () => inner.currentRevision(),
    compactedRevision: () => inner.compactedRevision(),
    get: (key) => inner.get(key),
    async list(opts) {
      await check(opts.revision, 'list');
      return inner.list(opts);
    },
    create: (key, value) => inner.create(key, value),
    update: (key, value, rev) => inner.update(key, value, rev),
    delete: (key, rev) => inner.delete(key, rev),
    async watch(opts, listener) {
      await check(opts.afterRevision, 'watch');
      return inner.watch(opts, listener);
    },
    compact: (rev) => inner.compact(rev),
    close: () => inner.close(),
    ...(inner.sizeBytes ? { sizeBytes: () => inner.sizeBytes!() } : {}),
  };
}
