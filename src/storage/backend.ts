// The one narrow interface every datastore implements (SQLite now; etcd, PostgreSQL, MySQL later).
// Revisions are cluster-wide, strictly increasing integers: they become the API's resourceVersions,
// so a backend must never reuse or reorder them.

export interface KeyValue {
  key: string;
  /** The stored object, serialized as JSON text. The API layer owns its meaning. */
  value: string;
  /** Revision of the write that created this key (its current incarnation). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
  /** The value as the UTF-8 bytes the datastore sent, where it sent bytes (etcd's lists): a LIST
   *  answer passes them on without decoding and encoding 10 MB of text. Not enumerable, so a copy
   *  made with another value ({ ...kv, value }) does not carry stale bytes. */
  readonly bytes?: Buffer;
}

export type StorageEventType = 'create' | 'update' | 'delete';

export interface StorageEvent {
  type: StorageEventType;
  /** For create/update: the new state. For delete: the last state before deletion, with
   *  modRevision set to the revision of the delete itself. */
  kv: KeyValue;
  /** The state before this event (update and delete only). */
  prev?: KeyValue;
}

export interface ListOptions {
  /** Keys that start with this string. */
  prefix: string;
  /** Return keys strictly greater than this one (used by continue tokens). */
  after?: string;
  /** At most this many items; 0 or absent means all. */
  limit?: number;
  /** Read as of this revision (a consistent snapshot across pages). Absent means the current one.
   *  A revision older than the compacted one throws StorageError('Compacted'). */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when keys beyond the returned page exist at that revision. */
  more: boolean;
}

export type WatchListener = (events: StorageEvent[]) => void;

export interface WatchOptions {
  prefix: string;
  /** Deliver every event with revision > afterRevision. Throws StorageError('Compacted') when
   *  history at or before that point has been compacted away. */
  afterRevision: number;
  /** Called at most once when an established watch cannot go on — 'Compacted': events it still had
   *  to deliver were compacted away (an etcd watch resuming after an outage, a SQL change feed that
   *  fell behind). The watch is then over: no event follows and cancel() is a no-op. Without it such
   *  a watch simply goes quiet, so every long-lived watcher should pass one and relist. */
  onError?: (err: StorageError) => void;
}

export interface WatchHandle {
  cancel(): void;
}

export interface Backend {
  readonly name: string;
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (events after it can be replayed). */
  compactedRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  list(opts: ListOptions): Promise<ListResult>;
  /** Throws StorageError('KeyExists') if the key is live. Resolves once the write is durable. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Compare-and-swap on modRevision. Throws 'NotFound' or 'Conflict'. */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /** Deletes the key; with expectedModRevision set, only if it still matches ('Conflict' otherwise).
   *  Resolves with the deleted state, modRevision = the revision of the delete. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  watch(opts: WatchOptions, listener: WatchListener): Promise<WatchHandle>;
  /** Drop history at and before `revision` (the latest state of every live key is kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
  /** The datastore's allocated size, for apiserver_storage_size_bytes; absent where unknown. */
  sizeBytes?(): Promise<number>;
  /** For a datastore across a connection: a list without a limit is read in pages of this many keys
   *  at one revision, the next asked for while the last is handled. Absent: one read. */
  readonly listChunk?: number;
}

/** 'Unavailable': the datastore could not be reached and nothing was applied, so trying again is safe.
 *  'OutcomeUnknown': the connection broke while a write committed; it may or may not have been applied. */
export type StorageErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'Unavailable' | 'OutcomeUnknown';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** For 'Compacted': the oldest revision still available; for 'Conflict': the current modRevision. */
    readonly revision?: number,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
