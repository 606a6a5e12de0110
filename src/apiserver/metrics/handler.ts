// metrics.k8s.io/v1beta1, served by the API server itself (upstream runs metrics-server behind the
// aggregator; here there is nothing to aggregate). Every request is answered from the kubelets at
// that moment: the Nodes and Pods asked for are read from storage (so selectors, namespaces and
// labels behave as on the objects themselves), then each Ready node involved is asked for its
// Summary through its tunnel, all at once, each within a deadline. A node that does not answer is
// left out and logged; the list is never failed for it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject } from '../../registry/types.js';
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION, nodeMetricsOf, podMetricsOf, type NodeMetrics, type PodMetrics } from '../../metrics/resource-metrics.js';
import type { Summary } from '../../metrics/summary.js';
import { errors } from '../errors.js';
import { sendJson } from '../http/respond.js';
import type { ResourceContext } from '../resources/context.js';
import { buildFilter, selectorsOf } from '../resources/filters.js';
import type { ResourceRequest } from '../request-info.js';
import { fetchSummary, type NodeDialer } from './kubelet-summary.js';

export interface MetricsDeps {
  ctx: ResourceContext;
  dial?: NodeDialer;
  /** Per node (5 s): a kubelet reads its counters on demand, which takes milliseconds. */
  timeoutMs?: number;
  log: (line: string) => void;
  now?: () => Date;
}

export interface MetricsApi {
  handle(req: IncomingMessage, res: ServerResponse, info: ResourceRequest, query: URLSearchParams): Promise<void>;
  /** The pods of a namespace matching a label selector, as the list answers them: for the HPA. */
  podMetrics(namespace: string, labelSelector: string): Promise<PodMetrics[]>;
}

/** How often one node's failure is logged: a polling HPA would otherwise repeat it every scrape. */
const LOG_EVERY_MS = 60_000;

const isReady = (node: KObject) =>
  ((node.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export function createMetricsApi(deps: MetricsDeps): MetricsApi {
  const timeoutMs = deps.timeoutMs ?? 5000;
  const now = deps.now ?? (() => new Date());
  const loggedAt = new Map<string, number>();
  const registry = deps.ctx.registry;
  const nodesD = registry.findByResource('', 'v1', 'nodes')!;
  const podsD = registry.findByResource('', 'v1', 'pods')!;

  /** Summaries of the named nodes that answered, by node name. */
  const gather = async (nodes: string[]): Promise<Map<string, Summary>> => {
    const out = new Map<string, Summary>();
    const dial = deps.dial;
    if (!dial) return out;
    await Promise.all(
      nodes.map(async (node) => {
        try {
          out.set(node, await fetchSummary(dial, node, timeoutMs));
          loggedAt.delete(node);
        } catch (err) {
          const last = loggedAt.get(node) ?? -Infinity;
          if (Date.now() - last >= LOG_EVERY_MS) {
            loggedAt.set(node, Date.now());
            deps.log(`metrics: node "${node}" is left out: ${(err as Error).message}`);
          }
        }
      }),
    );
    return out;
  };

  const readyNodes = async (query: URLSearchParams, name?: string): Promise<KObject[]> => {
    if (name !== undefined) return [await deps.ctx.store.get(nodesD, undefined, name)].filter(isReady);
    const page = await deps.ctx.store.list(nodesD, { filter: buildFilter(nodesD, selectorsOf(query)) });
    return page.items.filter(isReady);
  };

  const nodeMetrics = async (query: URLSearchParams, name?: string): Promise<NodeMetrics[]> => {
    const nodes = await readyNodes(query, name);
    const summaries = await gather(nodes.map((n) => n.metadata.name!));
    const at = now();
    const out: NodeMetrics[] = [];
    for (const node of nodes) {
      const s = summaries.get(node.metadata.name!);
      const m = s && nodeMetricsOf(s.node, node.metadata, at);
      if (m) out.push(m);
    }
    return out;
  };

  const podMetrics = async (query: URLSearchParams, namespace: string | undefined, name?: string): Promise<PodMetrics[]> => {
    const pods = name !== undefined ? [await deps.ctx.store.get(podsD, namespace, name)] : (await deps.ctx.store.list(podsD, { namespace, filter: buildFilter(podsD, selectorsOf(query)) })).items;
    const nodeOf = (p: KObject) => (p.spec as { nodeName?: string } | undefined)?.nodeName;
    const wanted = new Set(pods.map(nodeOf).filter((n): n is string => !!n));
    // Only Ready nodes are asked: a NotReady node's kubelet is not expected to answer.
    const ready = (await readyNodes(new URLSearchParams())).map((n) => n.metadata.name!).filter((n) => wanted.has(n));
    const summaries = await gather(ready);
    const byUid = new Map<string, Summary['pods'][number]>();
    for (const s of summaries.values()) for (const p of s.pods) byUid.set(p.podRef.uid, p);
    const at = now();
    const out: PodMetrics[] = [];
    for (const pod of pods) {
      const stats = byUid.get(pod.metadata.uid!);
      const m = stats && podMetricsOf(stats, pod.metadata, at);
      if (m) out.push(m);
    }
    return out;
  };

  return {
    podMetrics: (namespace, labelSelector) => podMetrics(new URLSearchParams(labelSelector ? { labelSelector } : {}), namespace),
    async handle(req, res, info, query) {
      if (info.version !== METRICS_VERSION || info.subresource !== undefined) throw errors.notFoundPath();
      if (info.verb !== 'get' && info.verb !== 'list') throw errors.methodNotAllowed();
      const ref = { group: METRICS_GROUP, resource: info.resource };
      if (info.resource === 'nodes') {
        if (info.namespace !== undefined) throw errors.notFoundPath();
        if (info.verb === 'list') return sendJson(req, res, 200, { kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items: await nodeMetrics(query) });
        const [one] = await nodeMetrics(query, info.name!).catch(notFoundAs(ref, info.name!));
        if (!one) throw errors.notFound(ref, info.name!);
        return sendJson(req, res, 200, one);
      }
      if (info.resource === 'pods') {
        if (info.verb === 'list') return sendJson(req, res, 200, { kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items: await podMetrics(query, info.namespace) });
        if (info.namespace === undefined) throw errors.notFoundPath();
        const [one] = await podMetrics(query, info.namespace, info.name!).catch(notFoundAs(ref, info.name!));
        if (!one) throw errors.notFound(ref, info.name!);
        return sendJson(req, res, 200, one);
      }
      throw errors.notFoundPath();
    },
  };
}

/** A missing Node or Pod is a missing NodeMetrics or PodMetrics, named as metrics-server names it. */
function notFoundAs(ref: { group: string; resource: string }, name: string) {
  return (err: unknown): never => {
    if ((err as { code?: number; reason?: string })?.reason === 'NotFound') throw errors.notFound(ref, name);
    throw err;
  };
}
