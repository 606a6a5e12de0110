// List, then watch from the list's revision; when the stream breaks, list again. The caller learns
// of objects that went away while it was not watching from `onList`, which hands over every list.
import type { Client, ResourceType, WatchEvent } from '../client/types.js';
import type { KObject } from '../registry/types.js';

export interface ListWatchOptions {
  client: Client;
  type: ResourceType;
  fieldSelector?: string;
  /** Every object as listed, after a (re)connect: anything known but absent is gone. */
  onList(items: KObject[]): void;
  onEvent(ev: WatchEvent): void;
  retryMs?: number;
  onError?(err: unknown): void;
}

/** Resolves once the first list is handed over and the watch is established. */
export async function listAndWatch(o: ListWatchOptions, signal: AbortSignal): Promise<void> {
  const retryMs = o.retryMs ?? 1000;
  const again = () => {
    if (signal.aborted) return;
    const t = setTimeout(() => {
      connect().catch((err) => {
        o.onError?.(err);
        again();
      });
    }, retryMs);
    signal.addEventListener('abort', () => clearTimeout(t), { once: true });
  };
  const connect = async () => {
    if (signal.aborted) return;
    const list = await o.client.list(o.type, o.fieldSelector ? { fieldSelector: o.fieldSelector } : {});
    o.onList(list.items);
    await o.client.watch(
      o.type,
      { ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}), resourceVersion: list.resourceVersion },
      {
        onEvent: o.onEvent,
        onClose: (err) => {
          if (err) o.onError?.(err);
          again();
        },
      },
      signal,
    );
  };
  await connect();
}
