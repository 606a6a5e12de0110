// The in-process Client: the same operations the HTTP handlers run (defaults, validation,
// admission, storage), without HTTP or serialization.
import { patchContentTypes, type Client, type ResourceType, type WatchOptions } from '../client/types.js';
import type { ResourceDescriptor } from '../registry/types.js';
import { errors } from './errors.js';
import { parseRevision } from './store/object-store.js';
import { StorageError } from '../storage/backend.js';
import { buildFilter } from './resources/filters.js';
import type { ResourceContext } from './resources/context.js';
import { createObject, deleteObject, finalizeNamespace, updateObject } from './resources/operations.js';
import { openWatch, type ObjectEvent } from './resources/watch-source.js';
import { patchStored } from './resources/patch-object.js';
import { bindPod, evictPod } from './resources/pod-subresources.js';
import { requestToken } from './serviceaccount/token-request.js';
import { serverSideApply } from './apply/server-side-apply.js';

export function createLocalClient(ctx: ResourceContext): Client {
  const descriptor = (t: ResourceType): ResourceDescriptor => {
    const d = ctx.registry.findByResource(t.group, t.version, t.resource);
    if (!d) throw errors.notFoundPath();
    return d;
  };
  return {
    get: async (t, namespace, name) => ctx.store.get(descriptor(t), namespace, name),
    async list(t, opts = {}) {
      const d = descriptor(t);
      const page = await ctx.store.list(d, { namespace: opts.namespace, filter: buildFilter(d, opts), limit: opts.limit, continueToken: opts.continue });
      return { items: page.items, resourceVersion: page.resourceVersion, ...(page.continueToken ? { continue: page.continueToken } : {}) };
    },
    async watch(t, opts: WatchOptions, handlers, signal) {
      const d = descriptor(t);
      const from = opts.resourceVersion && opts.resourceVersion !== '0' ? { afterRevision: parseRevision(opts.resourceVersion) } : { replay: true as const };
      // The storage watch ended by itself (history it owed was compacted): the stream breaks as an HTTP
      // one would, with the 410 a client relists on.
      let last: number = ('afterRevision' in from ? from.afterRevision : undefined) ?? 0;
      const onEvent = (ev: ObjectEvent) => {
        if (ev.kv) last = ev.kv.modRevision;
        handlers.onEvent(ev);
      };
      let stop: (() => void) | undefined;
      let ended = false;
      const onError = (err: StorageError) => {
        // The watch is over: its listener on the caller's long-lived signal goes too (a watch that
        // breaks and is opened again would otherwise pile them up there).
        ended = true;
        if (stop) signal.removeEventListener('abort', stop);
        if (signal.aborted) return;
        handlers.onClose?.(err.code === 'Compacted' ? errors.gone(`too old resource version: ${last} (${err.revision ?? 0})`) : err);
      };
      let w;
      try {
        w = await openWatch(ctx, d, { namespace: opts.namespace, filter: buildFilter(d, opts), from, onError }, onEvent);
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Compacted') throw errors.gone(`too old resource version: ${opts.resourceVersion} (${err.revision ?? 0})`);
        throw err;
      }
      // Otherwise the stream ends when the caller aborts.
      last = Math.max(last, w.startRevision);
      if (signal.aborted || ended) w.cancel();
      else signal.addEventListener('abort', (stop = w.cancel.bind(w)), { once: true });
    },
    create: async (t, obj) => createObject(ctx, descriptor(t), obj.metadata.namespace, structuredClone(obj)),
    update: async (t, obj, opts = {}) => {
      const d = descriptor(t);
      if (opts.subresource === 'finalize') return finalizeNamespace(ctx, d, obj.metadata.name!, structuredClone(obj));
      return updateObject(ctx, d, obj.metadata.namespace, obj.metadata.name!, structuredClone(obj), { subresource: opts.subresource });
    },
    patch: async (t, namespace, name, patch, opts = {}) =>
      patchStored(ctx, descriptor(t), { namespace, name }, { contentType: patchContentTypes[patch.type], body: patch.body }, { dryRun: false, subresource: opts.subresource }),
    async delete(t, namespace, name, opts = {}) {
      await deleteObject(ctx, descriptor(t), namespace, name, opts);
    },
    async createSubresource(t, namespace, name, subresource, body) {
      const d = descriptor(t);
      if (!d.subresources?.other?.some((o) => o.name === subresource)) throw errors.notFoundPath();
      if (subresource === 'binding') await bindPod(ctx, d, namespace, name, structuredClone(body));
      else await evictPod(ctx, d, namespace, name, structuredClone(body));
    },
    async createToken(namespace, serviceAccount, request) {
      if (!ctx.serviceAccountTokens) throw errors.notFoundPath();
      return requestToken({ ctx, issuer: ctx.serviceAccountTokens.issuer }, namespace, serviceAccount, structuredClone(request));
    },
    async apply(t, namespace, name, body, opts) {
      const d = descriptor(t);
      const { object } = await serverSideApply(ctx, d, { namespace: d.namespaced ? namespace : undefined, name }, structuredClone(body), { fieldManager: opts.fieldManager, force: opts.force ?? false });
      return object;
    },
  };
}

