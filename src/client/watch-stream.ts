// Reads a watch answer: one JSON event per line, though the network may cut the bytes anywhere,
// mid-line or mid-character. Bookmarks only keep the connection alive and are dropped; an ERROR
// event (410 Expired after compaction), a line that is not an event, or the end of the stream stops
// the watch and tells the caller once, so it can list again. An abort stops it without a word.
import type { Readable } from 'node:stream';
import type { KObject } from '../registry/types.js';
import type { WatchEvent } from './types.js';
import { statusErrorFromObject } from './status-error.js';

/** Collects text into lines; a line is handed on only once its newline has arrived. */
export function createLineSplitter(onLine: (line: string) => void): { push(text: string): void; flush(): void } {
  let pending = '';
  return {
    push(text) {
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const line = pending + text.slice(start, nl);
        pending = '';
        start = nl + 1;
        onLine(line);
      }
      pending += text.slice(start);
    },
    flush() {
      const rest = pending;
      pending = '';
      if (rest.trim()) onLine(rest);
    },
  };
}

export interface WatchStreamOptions {
  /** For messages: the server the stream comes from. */
  server: string;
  onEvent(ev: WatchEvent): void;
  onClose?(err?: unknown): void;
  /** Aborting ends the stream quietly: no onClose. */
  signal: AbortSignal;
  /** Ends the exchange and its connection. */
  destroy(): void;
  /** A stream silent this long (not even a bookmark) is taken for a dead connection. 0 = never. */
  idleTimeoutMs: number;
}

const objectEvents = new Set(['ADDED', 'MODIFIED', 'DELETED']);

export function followWatchStream(body: Readable, o: WatchStreamOptions): void {
  let done = false;
  let idle: NodeJS.Timeout | undefined;

  const close = (err?: unknown) => {
    if (done) return;
    done = true;
    clearTimeout(idle);
    o.signal.removeEventListener('abort', onAbort);
    o.destroy();
    if (!o.signal.aborted) o.onClose?.(err);
  };
  const onAbort = () => close();

  const armIdle = () => {
    if (o.idleTimeoutMs <= 0) return;
    clearTimeout(idle);
    idle = setTimeout(() => close(new Error(`the watch on ${o.server} sent nothing for ${o.idleTimeoutMs} ms`)), o.idleTimeoutMs);
    idle.unref();
  };

  const onLine = (line: string) => {
    if (done || !line.trim()) return;
    let ev: { type?: unknown; object?: unknown };
    try {
      ev = JSON.parse(line) as typeof ev;
    } catch {
      close(new Error(`the watch on ${o.server} sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (ev.type === 'BOOKMARK') return;
    if (ev.type === 'ERROR') {
      close(statusErrorFromObject(ev.object) ?? new Error(`the watch on ${o.server} ended with an error: ${JSON.stringify(ev.object).slice(0, 200)}`));
      return;
    }
    if (typeof ev.type !== 'string' || !objectEvents.has(ev.type) || typeof ev.object !== 'object' || ev.object === null) {
      close(new Error(`the watch on ${o.server} sent an unknown event: ${line.slice(0, 200)}`));
      return;
    }
    try {
      o.onEvent({ type: ev.type as WatchEvent['type'], object: ev.object as KObject });
    } catch (err) {
      // A handler that throws cannot be trusted to have seen the event; the caller starts over.
      close(err);
    }
  };

  const lines = createLineSplitter(onLine);
  if (o.signal.aborted) {
    close();
    return;
  }
  o.signal.addEventListener('abort', onAbort, { once: true });
  body.setEncoding('utf8');
  armIdle();
  body.on('data', (text: string) => {
    armIdle();
    lines.push(text);
  });
  body.on('end', () => {
    lines.flush();
    close();
  });
  body.on('error', (err) => close(new Error(`the watch on ${o.server} broke: ${err.message}`, { cause: err })));
  body.on('close', () => close(new Error(`the watch on ${o.server} broke: the connection closed`)));
}
