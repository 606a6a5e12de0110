// List, then watch from the list's revision; when the watch breaks, list again and hand over the
// complete current set, so whatever happened while it was down (objects deleted, say) is not missed.
import type { Client, ResourceType, WatchEvent } from '../client/types.js';
import type { KObject } from '../registry/types.js';

export interface InformerHandlers {
  /** Everything that exists now, after each (re)list. */
  replace(items: KObject[]): void;
  event(ev: WatchEvent): void;
}

export interface InformerOptions {
  client: Client;
  type: ResourceType;
  handlers: InformerHandlers;
  signal: AbortSignal;
  onError?(err: unknown): void;
  /** Pause before listing again after a broken watch or a failed list. */
  retryMs?: number;
  pageSize?: number;
}

async function listAll(o: InformerOptions): Promise<{ items: KObject[]; resourceVersion: string }> {
  const items: KObject[] = [];
  let page = await o.client.list(o.type, { limit: o.pageSize ?? 1000 });
  const resourceVersion = page.resourceVersion;
  items.push(...page.items);
  while (page.continue) {
    page = await o.client.list(o.type, { limit: o.pageSize ?? 1000, continue: page.continue });
    items.push(...page.items);
  }
  return { items, resourceVersion };
}

/** Resolves once the first list is handed over and the watch is established. */
export async function runInformer(o: InformerOptions): Promise<void> {
  const retryMs = o.retryMs ?? 1000;
  const again = () => {
    if (o.signal.aborted) return;
    const t = setTimeout(() => {
      start().catch((err) => {
        o.onError?.(err);
        again();
      });
    }, retryMs);
    t.unref?.();
  };
  const start = async () => {
    if (o.signal.aborted) return;
    const { items, resourceVersion } = await listAll(o);
    if (o.signal.aborted) return;
    o.handlers.replace(items);
    await o.client.watch(
      o.type,
      { resourceVersion },
      {
        onEvent: (ev) => o.handlers.event(ev),
        onClose: (err) => {
          if (err) o.onError?.(err);
          again();
        },
      },
      o.signal,
    );
  };
  await start();
}
