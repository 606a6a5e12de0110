// List (page by page), then watch from the list's revision; when the watch breaks or a list fails,
// wait and list again, handing over the complete current set each time, so whatever happened while
// the watch was down (objects deleted, say) is not missed. The one way every informer-like part of
// k3ts (scheduler, kubelet, controllers' caches) follows a kind.
import type { Client, ResourceType, WatchEvent } from './types.js';
import type { KObject } from '../registry/types.js';

export interface ListWatchOptions {
  client: Client;
  type: ResourceType;
  fieldSelector?: string;
  /** Everything that exists now, after each (re)list: anything known but absent is gone. */
  onList(items: KObject[]): void;
  onEvent(ev: WatchEvent): void;
  onError?(err: unknown): void;
  /** Pause before listing again after a broken watch or a failed list. */
  retryMs?: number;
  pageSize?: number;
}

async function listAll(o: ListWatchOptions): Promise<{ items: KObject[]; resourceVersion: string }> {
  const base = { limit: o.pageSize ?? 1000, ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}) };
  const items: KObject[] = [];
  let page = await o.client.list(o.type, base);
  const resourceVersion = page.resourceVersion;
  items.push(...page.items);
  while (page.continue) {
    page = await o.client.list(o.type, { ...base, continue: page.continue });
    items.push(...page.items);
  }
  return { items, resourceVersion };
}

/** Resolves once the first list is handed over and the watch is established. */
export async function listAndWatch(o: ListWatchOptions, signal: AbortSignal): Promise<void> {
  const retryMs = o.retryMs ?? 1000;
  const again = () => {
    if (signal.aborted) return;
    // Each retry's listener goes with its timer, or a flapping connection would pile them up.
    const cancel = () => clearTimeout(t);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', cancel);
      connect().catch((err) => {
        o.onError?.(err);
        again();
      });
    }, retryMs);
    t.unref?.();
    signal.addEventListener('abort', cancel, { once: true });
  };
  const connect = async () => {
    if (signal.aborted) return;
    const { items, resourceVersion } = await listAll(o);
    if (signal.aborted) return;
    o.onList(items);
    await o.client.watch(
      o.type,
      { ...(o.fieldSelector ? { fieldSelector: o.fieldSelector } : {}), resourceVersion },
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
