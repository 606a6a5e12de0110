// The Backend interface on an etcd v3 cluster. Nothing is translated: a key is an etcd key (under an
// optional prefix), etcd's revision is the resourceVersion, a create is a transaction "create_revision
// == 0 → put", an update or delete a transaction on mod_revision, a list a Range at a revision with a
// limit, a watch an etcd watch with prev_kv. etcd keeps the history and does the compaction; see flow.md.
import { StorageError, type Backend, type KeyValue, type ListOptions, type ListResult, type WatchHandle, type WatchListener, type WatchOptions } from '../backend.js';
import { DEFAULT_AUTO_COMPACTION, startAutoCompaction, type AutoCompactionOptions } from '../sqlite/compaction.js';
import { connectEtcd } from './connect.js';
import { EtcdClient, isCompactedError, isFutureRevisionError } from './etcd-client.js';
import type { Compare, EtcdKeyValue, ResponseOp, TxnResponse } from './etcd-messages.js';
import { parseEtcdEndpoints } from './endpoints.js';
import { readFailure, writeFailure } from './failure.js';
import { startWatch, toKeyValue, toListedKeyValue } from './etcd-watch.js';
import { KeySpace } from './key-space.js';
import { SharedWatchFeed } from './shared-watch.js';
import { throttledWarning } from './throttled-warning.js';
import { loadTlsMaterial, type DatastoreTlsFiles } from './tls-files.js';

export interface EtcdBackendOptions {
  /** `http(s)://host:port[,http(s)://host:port...]` */
  endpoints: string;
  tls?: DatastoreTlsFiles;
  /** Prepended to every key; '' (the default, like K3s) stores keys at etcd's root. */
  keyPrefix?: string;
  /** How long open() keeps trying to reach a member before failing. Default 10 s. */
  connectTimeoutMs?: number;
  /** Bounds every read and write. Default 10 s. */
  callTimeoutMs?: number;
  autoCompaction?: Partial<AutoCompactionOptions>;
}

const COMPACT_TIMEOUT_MS = 120_000;
// A LIST of 10,000 1 KB objects in chunks of 2,000 overlaps etcd's reading and sending with the API
// server's encoding; see ObjectStore.scan.
const LIST_CHUNK = 2000;

/** For promise.catch: the failure said in the Backend's terms (see failure.ts). */
const rethrow = (translate: (err: unknown) => unknown) => (err: unknown): never => {
  throw translate(err);
};

export class EtcdBackend implements Backend {
  readonly name = 'etcd';
  readonly listChunk = LIST_CHUNK;
  private readonly watches = new Set<WatchHandle>();
  /** Started by the first watch; most later watches join it instead of opening a stream each. */
  private feed?: Promise<SharedWatchFeed>;
  /** A lower bound on etcd's compacted revision (it only grows), which makes the lookup one call. */
  private knownCompacted = 0;
  private stopAutoCompaction: () => void = () => {};
  private closed = false;
  private readonly warn = throttledWarning();

  private constructor(
    private readonly client: EtcdClient,
    private readonly keys: KeySpace,
  ) {}

  /** Connects (bounded by connectTimeoutMs) and fails with one line naming the endpoints if it cannot. */
  static async open(opts: EtcdBackendOptions): Promise<EtcdBackend> {
    const endpoints = parseEtcdEndpoints(opts.endpoints);
    const tls = loadTlsMaterial(opts.tls);
    const client = new EtcdClient({ endpoints, tls, callTimeoutMs: opts.callTimeoutMs });
    try {
      await connectEtcd(client, opts.connectTimeoutMs ?? 10_000);
    } catch (err) {
      client.close();
      throw err;
    }
    const backend = new EtcdBackend(client, new KeySpace(opts.keyPrefix ?? ''));
    const auto = { ...DEFAULT_AUTO_COMPACTION, ...opts.autoCompaction };
    backend.stopAutoCompaction = startAutoCompaction(auto, async (keep) => {
      const target = (await backend.currentRevision()) - keep;
      if (target > backend.knownCompacted) await backend.compact(target);
    });
    return backend;
  }

  private check(): void {
    if (this.closed) throw new Error('etcd backend is closed');
  }

  async currentRevision(): Promise<number> {
    this.check();
    const res = await this.client.range({ key: this.keys.probeKey(), keysOnly: true, limit: 1 }).catch(rethrow(readFailure));
    return res.header.revision;
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.client.range({ key: this.keys.probeKey(), keysOnly: true, limit: 1, revision });
      return true;
    } catch (err) {
      if (isCompactedError(err)) return false;
      throw readFailure(err);
    }
  }

  /** etcd does not say its compacted revision outright, but a read at a revision before it fails:
   *  the answer is the oldest readable revision, found from the last known one (usually one call). */
  async compactedRevision(): Promise<number> {
    this.check();
    // Revisions start at 1, so "1 is readable" means nothing was compacted (0).
    if (await this.readableAt(Math.max(this.knownCompacted, 1))) return this.knownCompacted;
    // Invariant: lo is not readable, hi is (the current revision always is).
    let lo = Math.max(this.knownCompacted, 1);
    let hi = await this.currentRevision();
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readableAt(mid)) hi = mid;
      else lo = mid;
    }
    this.knownCompacted = Math.max(this.knownCompacted, hi);
    return hi;
  }

  private async compactedError(what: string, revision: number): Promise<StorageError> {
    const compacted = await this.compactedRevision();
    return new StorageError('Compacted', `${what} at revision ${revision}: history up to ${compacted} has been compacted`, compacted);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.check();
    const res = await this.client.range({ key: this.keys.encode(key) }).catch(rethrow(readFailure));
    return res.kvs[0] ? toKeyValue(this.keys, res.kvs[0]) : undefined;
  }

  async list(opts: ListOptions): Promise<ListResult> {
    this.check();
    const range = this.keys.range(opts.prefix, opts.after);
    if (!range) return { items: [], revision: opts.revision || (await this.currentRevision()), more: false };
    try {
      const res = await this.client.range({ ...range, limit: opts.limit ?? 0, revision: opts.revision ?? 0 });
      return { items: res.kvs.map((kv) => toListedKeyValue(this.keys, kv)), revision: opts.revision || res.header.revision, more: res.more };
    } catch (err) {
      if (isCompactedError(err)) throw await this.compactedError('list', opts.revision!);
      throw readFailure(err);
    }
  }

  private mustExist(key: Buffer): Compare {
    return { result: 'GREATER', target: 'CREATE', key, createRevision: 0 };
  }

  /** A failed conditional write: the key is gone, or its modRevision moved on. */
  private failure(key: string, res: TxnResponse): StorageError {
    const current = (res.responses[0] as ResponseOp | undefined)?.responseRange?.kvs[0];
    if (!current) return new StorageError('NotFound', `${key} not found`);
    return new StorageError('Conflict', `${key} was modified (now at revision ${current.modRevision})`, current.modRevision);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.check();
    const k = this.keys.encode(key);
    const res = await this.client.txn({
      compare: [{ result: 'EQUAL', target: 'CREATE', key: k, createRevision: 0 }],
      success: [{ requestPut: { key: k, value: Buffer.from(value, 'utf8') } }],
      failure: [],
    }).catch(rethrow(writeFailure));
    if (!res.succeeded) throw new StorageError('KeyExists', `${key} already exists`);
    const revision = res.header.revision;
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.check();
    const k = this.keys.encode(key);
    const res = await this.client.txn({
      // mustExist keeps an expected revision of 0 from creating a missing key.
      compare: [{ result: 'EQUAL', target: 'MOD', key: k, modRevision: expectedModRevision }, this.mustExist(k)],
      success: [{ requestPut: { key: k, value: Buffer.from(value, 'utf8'), prevKv: true } }],
      failure: [{ requestRange: { key: k } }],
    }).catch(rethrow(writeFailure));
    if (!res.succeeded) throw this.failure(key, res);
    const prev = res.responses[0]?.responsePut?.prevKv as EtcdKeyValue;
    return { key, value, createRevision: prev.createRevision, modRevision: res.header.revision };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.check();
    const k = this.keys.encode(key);
    const compare = [this.mustExist(k)];
    if (expectedModRevision !== undefined) compare.push({ result: 'EQUAL', target: 'MOD', key: k, modRevision: expectedModRevision });
    const res = await this.client.txn({
      compare,
      success: [{ requestDeleteRange: { key: k, prevKv: true } }],
      failure: [{ requestRange: { key: k } }],
    }).catch(rethrow(writeFailure));
    if (!res.succeeded) throw this.failure(key, res);
    const prev = res.responses[0]?.responseDeleteRange?.prevKvs[0] as EtcdKeyValue;
    return { ...toKeyValue(this.keys, prev), modRevision: res.header.revision };
  }

  async watch(opts: WatchOptions, listener: WatchListener): Promise<WatchHandle> {
    this.check();
    const range = this.keys.range(opts.prefix);
    if (!range) throw new Error(`cannot watch ${JSON.stringify(opts.prefix)}: empty key range`);
    // etcd would still replay from afterRevision + 1 when afterRevision itself is the compacted
    // revision; the interface says history *at* that point must be there, which is exactly "a read at
    // afterRevision works". A revision from the future is fine: the watch waits for it.
    let current: number | undefined;
    try {
      current = (await this.client.range({ key: range.key, keysOnly: true, limit: 1, revision: Math.max(opts.afterRevision, 1) })).header.revision;
    } catch (err) {
      if (isCompactedError(err)) throw await this.compactedError('watch', opts.afterRevision);
      if (!isFutureRevisionError(err)) throw readFailure(err);
    }
    // After a future revision the feed would miss what comes before it: it starts at the current one.
    current ??= await this.currentRevision();
    this.check();
    const shared = await this.sharedFeed(current).catch(rethrow(readFailure));
    this.check();
    // A watch that ends by itself leaves the set of watches close() must cancel.
    let handle: WatchHandle | undefined;
    const onError = (err: StorageError) => {
      if (handle) this.watches.delete(handle);
      opts.onError?.(err);
    };
    handle = shared.tryAdd(opts.prefix, opts.afterRevision, listener, onError)
      ?? (await startWatch({ client: this.client, keys: this.keys, prefix: opts.prefix, range, afterRevision: opts.afterRevision, listener, onError, warn: this.warn }).catch(rethrow(readFailure)));
    return this.track(handle);
  }

  private track(handle: WatchHandle): WatchHandle {
    this.watches.add(handle);
    return {
      cancel: () => {
        handle.cancel();
        this.watches.delete(handle);
      },
    };
  }

  /** The shared feed, started after `revision` (the current one) if there is none yet. */
  private sharedFeed(revision: number): Promise<SharedWatchFeed> {
    if (!this.feed) {
      const feed = SharedWatchFeed.start({ client: this.client, keys: this.keys, warn: this.warn, onStopped: () => {
        if (this.feed === feed) this.feed = undefined;
      } }, revision);
      this.feed = feed;
      // A feed that could not start is not kept: the next watch tries again.
      feed.catch(() => {
        if (this.feed === feed) this.feed = undefined;
      });
    }
    return this.feed;
  }

  async compact(revision: number): Promise<void> {
    this.check();
    if (revision <= this.knownCompacted) return;
    try {
      await this.client.compact(revision, COMPACT_TIMEOUT_MS);
    } catch (err) {
      // Another compactor (a second server, another cluster sharing etcd) went further: done.
      if (!isCompactedError(err)) throw readFailure(err);
    }
    this.knownCompacted = Math.max(this.knownCompacted, revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopAutoCompaction();
    for (const w of this.watches) w.cancel();
    this.watches.clear();
    await this.feed?.then((f) => f.close(), () => {});
    this.client.close();
  }
}
