// Typed, Kubernetes-flavoured access to the backend for any descriptor: turns storage outcomes into
// API errors and keeps paginated lists consistent at one revision.
import { StorageError, type Backend, type KeyValue } from '../../storage/backend.js';
import { timed } from '../prometheus/storage-metrics.js';
import { apiVersionOf, type KObject, type ResourceDescriptor } from '../../registry/types.js';
import { errors } from '../errors.js';
import { decodeObject, encodeObject, jsonBytesWithRevision, jsonWithRevision, storedPrefix } from './codec.js';
import { listPrefix, objectKey } from './keys.js';
import { decodeContinue, encodeContinue } from './continue-token.js';

/** A list's predicate, optionally with texts the stored JSON of every object it accepts contains:
 *  objects without them are passed over undecoded (a pod list by node decodes its node's pods, not
 *  every pod). */
export type ObjectFilter = ((obj: KObject) => boolean) & { needles?: readonly string[] };

export interface ListRequest {
  namespace?: string;
  filter?: ObjectFilter;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListPage<T = KObject> {
  items: T[];
  resourceVersion: string;
  continueToken?: string;
}

const ref = (d: ResourceDescriptor) => ({ group: d.group, resource: d.plural });

/** Seconds a client is asked to wait before retrying while the datastore is away. */
export const RETRY_AFTER_SECONDS = 2;

/** The datastore unreachable (nothing applied): a Status the client waits out and retries. A write cut
 *  in flight (may have applied) must not be retried blindly: an InternalError that says so, and no
 *  stack in the log, since it is the datastore's failure, not ours. */
function unreachable(err: unknown, d: ResourceDescriptor, operation: string): unknown {
  if (!(err instanceof StorageError)) return err;
  if (err.code === 'Unavailable') return errors.serverTimeout(ref(d), operation, RETRY_AFTER_SECONDS);
  if (err.code === 'OutcomeUnknown') return errors.internal(err.message);
  return err;
}

/** A stored record as the descriptor's version sees it. */
export function decodeFor(d: ResourceDescriptor, kv: Pick<KeyValue, 'value' | 'modRevision'>): KObject {
  const obj = decodeObject(kv);
  return d.conversion ? d.conversion.fromStored(obj) : obj;
}

const encodeFor = (d: ResourceDescriptor, obj: KObject) => encodeObject(d.conversion ? d.conversion.toStored(obj) : obj);

/** What the caller gets back from a write: the stored form seen through its version again, so a
 *  served version answers exactly what a later GET would. */
function written(d: ResourceDescriptor, obj: KObject, revision: number): KObject {
  const seen = d.conversion ? d.conversion.fromStored(d.conversion.toStored(obj)) : obj;
  return withRevision(seen, revision);
}

/** False when the stored text shows that `filter` cannot accept the object (see ObjectFilter). The
 *  needles hold only where the stored text is the served object's own JSON, without a conversion. */
export function storedTextMayMatch(d: ResourceDescriptor, filter: ObjectFilter | undefined, text: string): boolean {
  if (d.conversion || !filter?.needles) return true;
  for (const n of filter.needles) if (!text.includes(n)) return false;
  return true;
}

export class ObjectStore {
  constructor(readonly backend: Backend) {}

  async get(d: ResourceDescriptor, namespace: string | undefined, name: string): Promise<KObject> {
    const obj = await this.tryGet(d, namespace, name);
    if (!obj) throw errors.notFound(ref(d), name);
    return obj;
  }

  async tryGet(d: ResourceDescriptor, namespace: string | undefined, name: string): Promise<KObject | undefined> {
    let kv: KeyValue | undefined;
    try {
      kv = await timed('get', d.plural, this.backend.get(objectKey(d, namespace, name)));
    } catch (err) {
      throw unreachable(err, d, 'get');
    }
    return kv ? decodeFor(d, kv) : undefined;
  }

  async list(d: ResourceDescriptor, req: ListRequest): Promise<ListPage> {
    const { filter } = req;
    return this.scan(d, req, (kv) => {
      if (!storedTextMayMatch(d, filter, kv.value)) return undefined;
      const obj = decodeFor(d, kv);
      return !filter || filter(obj) ? obj : undefined;
    });
  }

  /** The same list as JSON texts, for answers that only pass objects through: each item a text, or
   *  the pieces of its bytes where the datastore gave bytes (KeyValue.bytes). */
  async listJson(d: ResourceDescriptor, req: ListRequest): Promise<ListPage<string | Buffer[]>> {
    const { filter } = req;
    if (d.conversion) return this.scan(d, req, (kv) => {
      const obj = decodeFor(d, kv);
      return !filter || filter(obj) ? JSON.stringify(obj) : undefined;
    });
    const prefix = storedPrefix(apiVersionOf(d), d.kind);
    const prefixBytes = Buffer.from(prefix);
    return this.scan(d, req, (kv) => {
      if (!filter && kv.bytes) {
        const pieces = jsonBytesWithRevision(kv.bytes, kv.modRevision, prefixBytes);
        if (pieces) return pieces;
      }
      if (!storedTextMayMatch(d, filter, kv.value)) return undefined;
      return !filter || filter(decodeObject(kv)) ? jsonWithRevision(kv, prefix) : undefined;
    });
  }

  /** Walks the keys of a list at one revision, keeping what `accept` returns, up to `limit`. */
  private async scan<T>(d: ResourceDescriptor, req: ListRequest, accept: (kv: KeyValue) => T | undefined, whole = false): Promise<ListPage<T>> {
    const prefix = listPrefix(d, req.namespace);
    let after: string | undefined;
    let revision: number | undefined;
    if (req.continueToken) {
      const token = decodeContinue(req.continueToken);
      after = token.start;
      revision = token.rv;
    } else if (req.resourceVersion && req.resourceVersion !== '0' && req.resourceVersionMatch === 'Exact') {
      revision = parseRevision(req.resourceVersion);
    }
    const limit = req.limit && req.limit > 0 ? req.limit : 0;
    // A list without a limit from a datastore across a connection comes in chunks, the next one asked
    // for before this one is handled, so the datastore's reading and sending overlap our encoding.
    const chunk = !limit && !whole ? (this.backend.listChunk ?? 0) : 0;
    const revisionAsked = revision !== undefined;
    const items: T[] = [];
    let readAt = 0;
    let lastKey: string | undefined;
    let more = false;
    try {
      let pending = this.backend.list({ prefix, after, limit: limit ? Math.max(limit, 64) : chunk, revision });
      for (;;) {
        const page = await timed('list', d.plural, pending);
        readAt = page.revision;
        revision = page.revision;
        if (chunk && page.more && page.items.length > 0) {
          pending = this.backend.list({ prefix, after: page.items.at(-1)!.key, limit: chunk, revision });
          // Awaited below; should handling this page throw first, its failure is nobody's to report.
          pending.catch(() => {});
        }
        let stoppedEarly = false;
        for (let i = 0; i < page.items.length; i++) {
          const kv = page.items[i];
          lastKey = kv.key;
          const item = accept(kv);
          if (item !== undefined) items.push(item);
          if (limit && items.length >= limit) {
            stoppedEarly = i < page.items.length - 1 || page.more;
            break;
          }
        }
        if (limit && items.length >= limit) {
          more = stoppedEarly;
          break;
        }
        if (!page.more || page.items.length === 0) break;
        after = lastKey;
        if (!chunk) pending = this.backend.list({ prefix, after, limit: limit ? Math.max(limit - items.length, 64) : 0, revision });
      }
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Compacted') {
        // The revision of the first chunk was compacted before the last was read: the client asked for
        // no revision, so the list starts over in one read.
        if (chunk && !revisionAsked) return this.scan(d, req, accept, true);
        if (req.continueToken) {
          throw errors.gone(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          );
        }
        throw errors.gone(`too old resource version: ${revision} (${err.revision ?? 0})`);
      }
      throw unreachable(err, d, 'list');
    }
    const result: ListPage<T> = { items, resourceVersion: String(readAt) };
    if (more && lastKey) result.continueToken = encodeContinue({ rv: readAt, start: lastKey });
    return result;
  }

  /** Stores a fully prepared new object. */
  async create(d: ResourceDescriptor, obj: KObject): Promise<KObject> {
    const key = objectKey(d, obj.metadata.namespace, obj.metadata.name!);
    try {
      const kv = await timed('create', d.plural, this.backend.create(key, encodeFor(d, obj)));
      return written(d, obj, kv.modRevision);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'KeyExists') throw errors.alreadyExists(ref(d), obj.metadata.name!);
      throw unreachable(err, d, 'create');
    }
  }

  /** Compare-and-swap on the object's metadata.resourceVersion. */
  async update(d: ResourceDescriptor, obj: KObject): Promise<KObject> {
    const name = obj.metadata.name!;
    const key = objectKey(d, obj.metadata.namespace, name);
    try {
      const kv = await timed('update', d.plural, this.backend.update(key, encodeFor(d, obj), parseRevision(obj.metadata.resourceVersion)));
      return written(d, obj, kv.modRevision);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') throw errors.notFound(ref(d), name);
      if (err instanceof StorageError && err.code === 'Conflict') throw errors.conflict(ref(d), name);
      throw unreachable(err, d, 'update');
    }
  }

  async delete(d: ResourceDescriptor, obj: KObject): Promise<KObject> {
    const name = obj.metadata.name!;
    try {
      const kv = await timed('delete', d.plural, this.backend.delete(objectKey(d, obj.metadata.namespace, name), parseRevision(obj.metadata.resourceVersion)));
      return written(d, obj, kv.modRevision);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') throw errors.notFound(ref(d), name);
      if (err instanceof StorageError && err.code === 'Conflict') throw errors.conflict(ref(d), name);
      throw unreachable(err, d, 'delete');
    }
  }
}

function withRevision(obj: KObject, revision: number): KObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

export function parseRevision(rv: string | undefined): number {
  const n = Number(rv);
  if (!rv || !Number.isSafeInteger(n) || n < 0) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rv ?? '')}`);
  return n;
}
