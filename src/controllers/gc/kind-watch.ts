// Keeps one kind in step with the graph: list, then watch from the list's revision. When the stream
// breaks, list again and report what vanished in between as deleted, so no deletion is ever missed.
import type { Client } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import type { DependencyGraph, KindRef } from './graph.js';

export interface KindWatchHandlers {
  upsert(type: KindRef, obj: KObject): void;
  removed(uid: string): void;
  onError(err: unknown): void;
}

/** Resolves once the first list is in the graph and the watch is open. */
export async function watchKind(client: Client, graph: DependencyGraph, type: KindRef, h: KindWatchHandlers, signal: AbortSignal, retryMs = 1000): Promise<void> {
  const sync = async (): Promise<void> => {
    if (signal.aborted) return;
    const list = await client.list(type);
    const present = new Set<string>();
    for (const obj of list.items) {
      if (!obj.metadata.uid) continue;
      present.add(obj.metadata.uid);
      h.upsert(type, obj);
    }
    for (const uid of graph.uidsOfType(type)) if (!present.has(uid)) h.removed(uid);
    await client.watch(
      type,
      { resourceVersion: list.resourceVersion },
      {
        onEvent: (ev) => {
          if (!ev.object.metadata.uid) return;
          if (ev.type === 'DELETED') h.removed(ev.object.metadata.uid);
          else h.upsert(type, ev.object);
        },
        onClose: () => restart(),
      },
      signal,
    );
  };
  const restart = () => {
    if (signal.aborted) return;
    setTimeout(() => {
      sync().catch((err) => {
        h.onError(err);
        restart();
      });
    }, retryMs).unref();
  };
  await sync();
}
