// Watch: headers flushed at once, then one JSON event per line. resourceVersion "0"/absent first
// replays the current state as ADDED; a compacted revision ends with a 410 ERROR event; selectors
// turn objects moving in or out of the selection into ADDED/DELETED like the upstream cacher.
import type { KObject } from '../../registry/types.js';
import { apiVersionOf } from '../../registry/types.js';
import { StorageError, type KeyValue, type StorageEvent, type WatchHandle } from '../../storage/backend.js';
import { decodeObject } from '../store/codec.js';
import { listPrefix } from '../store/keys.js';
import { errors } from '../errors.js';
import { buildTable, parseIncludeObject } from '../table.js';
import { buildFilter } from './filters.js';
import type { ReadRequest } from './read.js';
import { isTrue } from '../request-info.js';

// Decoding and serializing once per stored event, however many watchers see it.
const decoded = new WeakMap<KeyValue, KObject>();
const serialized = new WeakMap<KeyValue, string>();

function objectOf(kv: KeyValue): KObject {
  let obj = decoded.get(kv);
  if (!obj) {
    obj = decodeObject(kv);
    decoded.set(kv, obj);
  }
  return obj;
}

function jsonOf(kv: KeyValue): string {
  let text = serialized.get(kv);
  if (text === undefined) {
    text = JSON.stringify(objectOf(kv));
    serialized.set(kv, text);
  }
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

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export async function handleWatch(r: ReadRequest, tuning: WatchTuning = defaultWatchTuning, name?: string): Promise<void> {
  const { req, res, d, query, form } = r;
  const baseFilter = buildFilter(d, query);
  const filter = name === undefined ? baseFilter : (o: KObject) => o.metadata.name === name && (!baseFilter || baseFilter(o));
  const rvText = query.get('resourceVersion') ?? '';
  const sendInitial = isTrue(query.get('sendInitialEvents'));
  const replayCurrent = rvText === '' || rvText === '0' || sendInitial;
  let afterRevision = 0;
  if (!replayCurrent) {
    afterRevision = Number(rvText);
    if (!Number.isSafeInteger(afterRevision) || afterRevision < 0) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
  }
  const timeoutText = query.get('timeoutSeconds');
  const timeoutMs = timeoutText !== null && Number(timeoutText) > 0 ? Number(timeoutText) * 1000 : tuning.defaultTimeoutMs();
  const bookmarks = isTrue(query.get('allowWatchBookmarks'));
  const include = parseIncludeObject(query.get('includeObject'));

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  let closed = false;
  let handle: WatchHandle | undefined;
  let lastRevision = afterRevision;
  let columnsSent = false;
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    handle?.cancel();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  req.on('close', finish);
  res.on('error', finish);

  const write = (line: string) => {
    if (closed) return;
    res.write(line);
    if (res.writableLength > tuning.maxBufferedBytes) finish();
  };
  const writeEvent = (type: EventType, obj: KObject, kv?: KeyValue) => {
    if (form.kind === 'table') {
      const table = buildTable(d, [obj], { include, apiVersion: form.apiVersion, withColumns: !columnsSent });
      columnsSent = true;
      write(`{"type":"${type}","object":${JSON.stringify(table)}}\n`);
    } else if (form.kind === 'metadata') {
      write(`{"type":"${type}","object":${JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: form.apiVersion, metadata: obj.metadata })}}\n`);
    } else {
      write(`{"type":"${type}","object":${kv ? jsonOf(kv) : JSON.stringify(obj)}}\n`);
    }
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata: Record<string, unknown> = { resourceVersion: String(lastRevision) };
    if (annotations) metadata.annotations = annotations;
    write(`{"type":"BOOKMARK","object":${JSON.stringify({ kind: d.kind, apiVersion: apiVersionOf(d), metadata })}}\n`);
  };
  const writeExpired = (err: StorageError) => {
    const status = errors.gone(`too old resource version: ${afterRevision} (${err.revision ?? 0})`).toStatus();
    write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
    finish();
  };

  const onEvents = (events: StorageEvent[]) => {
    if (closed) return;
    for (const ev of events) {
      lastRevision = ev.kv.modRevision;
      const obj = objectOf(ev.kv);
      if (!filter) {
        writeEvent(ev.type === 'create' ? 'ADDED' : ev.type === 'update' ? 'MODIFIED' : 'DELETED', obj, ev.kv);
        continue;
      }
      const now = filter(obj);
      const before = ev.prev ? filter(objectOf(ev.prev)) : false;
      if (ev.type === 'create') {
        if (now) writeEvent('ADDED', obj, ev.kv);
      } else if (ev.type === 'delete') {
        if (now || before) writeEvent('DELETED', obj, ev.kv);
      } else if (now && before) writeEvent('MODIFIED', obj, ev.kv);
      else if (now) writeEvent('ADDED', obj, ev.kv);
      else if (before) writeEvent('DELETED', obj, ev.kv);
    }
  };

  try {
    if (replayCurrent) {
      const page = await r.ctx.store.list(d, { namespace: r.namespace, filter });
      if (closed) return;
      afterRevision = Number(page.resourceVersion);
      lastRevision = afterRevision;
      for (const obj of page.items) writeEvent('ADDED', obj);
      if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    }
    handle = await r.ctx.store.backend.watch({ prefix: listPrefix(d, r.namespace), afterRevision }, onEvents);
    if (closed) handle.cancel();
  } catch (err) {
    if (err instanceof StorageError && err.code === 'Compacted') {
      writeExpired(err);
      return;
    }
    finish();
    throw err;
  }
  timers.push(setTimeout(finish, timeoutMs));
  if (bookmarks) {
    const tick = () => {
      bookmark();
      timers[1] = setTimeout(tick, tuning.bookmarkIntervalMs);
    };
    timers[1] = setTimeout(tick, tuning.bookmarkIntervalMs);
  }
}
