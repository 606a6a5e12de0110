// Watch over HTTP: headers flushed at once, then one JSON event per line, in the negotiated form.
// A compacted revision ends the stream with a 410 ERROR event; bookmarks and timeouts as asked.
import type { KObject } from '../../registry/types.js';
import { apiVersionOf } from '../../registry/types.js';
import { StorageError } from '../../storage/backend.js';
import { endWhenKindWithdrawn } from '../crd/watch-end.js';
import { errors } from '../errors.js';
import { RETRY_AFTER_SECONDS } from '../store/object-store.js';
import { buildTable, parseIncludeObject } from '../table.js';
import { buildFilter, selectorsOf } from '../resources/filters.js';
import type { ReadRequest } from './read.js';
import { queryBool, queryInt64, queryResourceVersion } from '../http/query.js';
import { openWatch, type ObjectEvent, type OpenWatch } from '../resources/watch-source.js';

// Serialized once per stored event, however many JSON watchers send it. Keyed by the event's object
// (shared between watchers of the stored version), not its record: watchers of another served
// version see another object for the same record.
const serialized = new WeakMap<KObject, string>();

function jsonOf(ev: ObjectEvent): string {
  if (!ev.kv) return JSON.stringify(ev.object);
  let text = serialized.get(ev.object);
  if (text === undefined) serialized.set(ev.object, (text = JSON.stringify(ev.object)));
  return text;
}

export interface WatchTuning {
  bookmarkIntervalMs: number;
  /** Used when the client gives no timeoutSeconds. */
  defaultTimeoutMs: () => number;
  /** A watcher that cannot keep up is cut off past this much buffered output; it re-lists. */
  maxBufferedBytes: number;
}

export const defaultWatchTuning: WatchTuning = {
  bookmarkIntervalMs: 60_000,
  defaultTimeoutMs: () => (1800 + Math.floor(Math.random() * 1800)) * 1000,
  maxBufferedBytes: 64 * 1024 * 1024,
};

export async function handleWatch(r: ReadRequest, tuning: WatchTuning = defaultWatchTuning, name?: string): Promise<void> {
  const { req, res, d, query, form } = r;
  const baseFilter = buildFilter(d, selectorsOf(query));
  const filter = name === undefined ? baseFilter : (o: KObject) => o.metadata.name === name && (!baseFilter || baseFilter(o));
  const rvText = queryResourceVersion(query) ?? '';
  const sendInitial = queryBool(query, 'sendInitialEvents');
  const replay = rvText === '' || rvText === '0' || sendInitial;
  const afterRevision = replay ? 0 : Number(rvText);
  const timeoutSeconds = queryInt64(query, 'timeoutSeconds') ?? 0;
  // Past a day a timer would overflow (and fire at once); no client means that long anyway.
  const timeoutMs = timeoutSeconds > 0 ? Math.min(timeoutSeconds, 86_400) * 1000 : tuning.defaultTimeoutMs();
  const bookmarks = queryBool(query, 'allowWatchBookmarks');
  const include = parseIncludeObject(query.get('includeObject'));

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  let closed = false;
  let watch: OpenWatch | undefined;
  let lastRevision = afterRevision;
  let columnsSent = false;
  let timeout: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    watch?.cancel();
    clearTimeout(timeout);
    clearTimeout(bookmarkTimer);
    stopFollowingKind();
    res.end();
  };
  // A custom resource's watch ends when its CRD goes, as upstream's does.
  const stopFollowingKind = endWhenKindWithdrawn(r.ctx.registry, r.d, () => finish());
  req.on('close', finish);
  res.on('error', finish);

  const write = (line: string) => {
    if (closed) return;
    res.write(line);
    if (res.writableLength > tuning.maxBufferedBytes) finish();
  };
  const onEvent = (ev: ObjectEvent) => {
    if (closed) return;
    if (ev.kv) lastRevision = ev.kv.modRevision;
    if (form.kind === 'table') {
      const table = buildTable(d, [ev.object], { include, apiVersion: form.apiVersion, withColumns: !columnsSent });
      columnsSent = true;
      write(`{"type":"${ev.type}","object":${JSON.stringify(table)}}\n`);
    } else if (form.kind === 'metadata') {
      write(`{"type":"${ev.type}","object":${JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: form.apiVersion, metadata: ev.object.metadata })}}\n`);
    } else {
      write(`{"type":"${ev.type}","object":${jsonOf(ev)}}\n`);
    }
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata: Record<string, unknown> = { resourceVersion: String(lastRevision) };
    if (annotations) metadata.annotations = annotations;
    write(`{"type":"BOOKMARK","object":${JSON.stringify({ kind: d.kind, apiVersion: apiVersionOf(d), metadata })}}\n`);
  };

  try {
    watch = await openWatch(r.ctx, d, { namespace: r.namespace, filter, from: replay ? { replay: true } : { afterRevision } }, onEvent);
    if (closed) {
      watch.cancel();
      return;
    }
    if (watch.startRevision > lastRevision) lastRevision = watch.startRevision;
    if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } catch (err) {
    if (err instanceof StorageError && err.code === 'Compacted') {
      const status = errors.gone(`too old resource version: ${afterRevision} (${err.revision ?? 0})`).toStatus();
      write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
      finish();
      return;
    }
    if (err instanceof StorageError && err.code === 'Unavailable') {
      // The datastore is away: an ERROR event the client's reflector backs off from and watches again.
      const status = errors.serverTimeout({ group: d.group, resource: d.plural }, 'watch', RETRY_AFTER_SECONDS).toStatus();
      write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
      finish();
      return;
    }
    finish();
    throw err;
  }
  timeout = setTimeout(finish, timeoutMs);
  if (bookmarks) {
    // A bookmark may name any revision the watcher has seen all matching events up to. Events are
    // handed to watchers as soon as they commit, so the store's current revision qualifies, and a
    // watcher of a quiet selection keeps up with compaction instead of relisting after a 410.
    const tick = async () => {
      if (closed) return;
      try {
        lastRevision = Math.max(lastRevision, await r.ctx.store.backend.currentRevision());
        bookmark();
      } catch {
        // The datastore is away (a database restart): skip this bookmark. The watch stays open and
        // its events resume when the datastore is back, as they would without bookmarks.
      }
      if (!closed) bookmarkTimer = setTimeout(() => void tick().catch(finish), tuning.bookmarkIntervalMs);
    };
    bookmarkTimer = setTimeout(() => void tick().catch(finish), tuning.bookmarkIntervalMs);
  }
}
