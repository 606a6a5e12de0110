// The Client over HTTPS, for agents: the Kubernetes REST API in JSON, spread over the pool's
// servers. It behaves as the in-process client does: same errors (Status code and reason), and a
// watch without a revision replays the current state before it resolves.
import type { KObject } from '../registry/types.js';
import { patchContentTypes, type Client, type DeleteOptions, type ListOptions, type ObjectList, type ResourceType } from './types.js';
import { resourcePath, withQuery } from './api-paths.js';
import { createTransport, type TransportOptions } from './https-transport.js';
import { followWatchStream } from './watch-stream.js';

export interface HttpClientOptions extends TransportOptions {
  /** A watch silent this long (servers send a bookmark a minute) is taken for dead. Default 300000; 0 = never. */
  watchIdleTimeoutMs?: number;
}

const parse = (body: string): KObject => JSON.parse(body) as KObject;

export function createHttpClient(opts: HttpClientOptions): Client & { close(): void } {
  const transport = createTransport(opts);
  const idleTimeoutMs = opts.watchIdleTimeoutMs ?? 300_000;
  const send = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType?: string) =>
    (await transport.request({ method, path, body, contentType })).body;

  /** The list and the server that answered it. */
  const listFrom = async (t: ResourceType, o: ListOptions = {}): Promise<{ list: ObjectList; server: string }> => {
    const path = withQuery(resourcePath(t, { namespace: o.namespace }), {
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      limit: o.limit,
      continue: o.continue,
    });
    const { server, body } = await transport.request({ method: 'GET', path });
    const answer = JSON.parse(body) as { kind?: string; apiVersion?: string; metadata?: { resourceVersion?: string; continue?: string }; items?: KObject[] | null };
    // Upstream servers leave kind and apiVersion out of list items; ours keeps them. Callers get
    // whole objects either way, as from the in-process client.
    const kind = answer.kind?.endsWith('List') ? answer.kind.slice(0, -'List'.length) : undefined;
    const items = (answer.items ?? []).map((item) => (item.kind && item.apiVersion ? item : { ...item, kind: item.kind ?? kind, apiVersion: item.apiVersion ?? answer.apiVersion }));
    const list: ObjectList = { items, resourceVersion: answer.metadata?.resourceVersion ?? '' };
    if (answer.metadata?.continue) list.continue = answer.metadata.continue;
    return { list, server };
  };

  return {
    get: async (t, namespace, name) => parse(await send('GET', resourcePath(t, { namespace, name }))),
    list: async (t, o) => (await listFrom(t, o)).list,
    async watch(t, o, handlers, signal) {
      if (signal.aborted) return;
      let from = o.resourceVersion;
      let listedOn: string | undefined;
      if (!from || from === '0') {
        // Replayed from a list, so the caller holds the current state once watch() resolves.
        const { list: current, server } = await listFrom(t, { namespace: o.namespace, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector });
        if (signal.aborted) return;
        for (const object of current.items) handlers.onEvent({ type: 'ADDED', object });
        from = current.resourceVersion;
        listedOn = server;
      }
      const path = withQuery(resourcePath(t, { namespace: o.namespace }), {
        watch: 1,
        allowWatchBookmarks: true,
        resourceVersion: from,
        labelSelector: o.labelSelector,
        fieldSelector: o.fieldSelector,
      });
      let answer;
      try {
        answer = await transport.stream({ method: 'GET', path, preferServer: listedOn }, signal);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      followWatchStream(answer.res, { server: answer.server, onEvent: handlers.onEvent, onClose: handlers.onClose, signal, destroy: answer.destroy, idleTimeoutMs });
    },
    create: async (t, obj) => parse(await send('POST', resourcePath(t, { namespace: obj.metadata.namespace }), obj)),
    update: async (t, obj, o = {}) => parse(await send('PUT', resourcePath(t, { namespace: obj.metadata.namespace, name: obj.metadata.name ?? '', subresource: o.subresource }), obj)),
    patch: async (t, namespace, name, p, o = {}) =>
      parse(await send('PATCH', resourcePath(t, { namespace, name, subresource: o.subresource }), p.body, patchContentTypes[p.type])),
    async delete(t, namespace, name, o?: DeleteOptions) {
      const body = o && Object.keys(o).length > 0 ? { kind: 'DeleteOptions', apiVersion: 'v1', ...o } : undefined;
      await send('DELETE', resourcePath(t, { namespace, name }), body);
    },
    async createSubresource(t, namespace, name, subresource, body) {
      await send('POST', resourcePath(t, { namespace, name, subresource }), body);
    },
    createToken: async (namespace, serviceAccount, request) =>
      parse(await send('POST', resourcePath({ group: '', version: 'v1', resource: 'serviceaccounts' }, { namespace, name: serviceAccount, subresource: 'token' }), request)),
    close: () => transport.close(),
  };
}
