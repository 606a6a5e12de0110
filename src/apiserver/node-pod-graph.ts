// What the node authorizer asks of every kubelet request for a Secret, a ConfigMap or a token:
// does a pod bound to this node use it? Upstream keeps a graph fed by informers for this. Listing
// the namespace's pods per request instead cost each such request a decode of every pod in the
// namespace (quadratic as pods start: 3,000 pods took minutes). This keeps, per node and namespace,
// how many bound pods reference each ServiceAccount, ConfigMap and Secret, from one watch of pods.
import type { Client } from '../client/types.js';
import { listAndWatch } from '../client/list-watch.js';
import type { KObject } from '../registry/types.js';

export type PodReferenceKind = 'serviceaccounts' | 'configmaps' | 'secrets';

export interface NodePodGraph {
  /** False until the first list is in: callers then ask the datastore instead. */
  readonly ready: boolean;
  uses(node: string, namespace: string, kind: PodReferenceKind, name: string): boolean;
}

/** The names a pod refers to, by kind: volumes, projected sources, env, envFrom, pull secrets. */
export function podReferences(pod: KObject): Record<PodReferenceKind, Set<string>> {
  const spec = (pod.spec ?? {}) as Record<string, any>;
  const out = { serviceaccounts: new Set<string>([spec.serviceAccountName || 'default']), configmaps: new Set<string>(), secrets: new Set<string>() };
  for (const v of spec.volumes ?? []) {
    if (v?.configMap?.name) out.configmaps.add(v.configMap.name);
    if (v?.secret?.secretName) out.secrets.add(v.secret.secretName);
    for (const s of v?.projected?.sources ?? []) {
      if (s?.configMap?.name) out.configmaps.add(s.configMap.name);
      if (s?.secret?.name) out.secrets.add(s.secret.name);
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c?.env ?? []) {
      if (e?.valueFrom?.configMapKeyRef?.name) out.configmaps.add(e.valueFrom.configMapKeyRef.name);
      if (e?.valueFrom?.secretKeyRef?.name) out.secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const e of c?.envFrom ?? []) {
      if (e?.configMapRef?.name) out.configmaps.add(e.configMapRef.name);
      if (e?.secretRef?.name) out.secrets.add(e.secretRef.name);
    }
  }
  for (const s of spec.imagePullSecrets ?? []) if (s?.name) out.secrets.add(s.name);
  return out;
}

const edge = (node: string, namespace: string, kind: PodReferenceKind, name: string) => `${node}\0${namespace}\0${kind}\0${name}`;

/** The edges one pod contributes (none while it is not bound to a node). */
function edgesOf(pod: KObject): string[] {
  const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  const namespace = pod.metadata.namespace;
  if (!node || !namespace) return [];
  const refs = podReferences(pod);
  return (Object.keys(refs) as PodReferenceKind[]).flatMap((kind) => [...refs[kind]].map((name) => edge(node, namespace, kind, name)));
}

export function createNodePodGraph(): NodePodGraph & { replace(pods: KObject[]): void; set(pod: KObject): void; remove(pod: KObject): void } {
  const byPod = new Map<string, string[]>();
  const counts = new Map<string, number>();
  let ready = false;
  const podKey = (pod: KObject) => `${pod.metadata.namespace}/${pod.metadata.name}`;
  const drop = (key: string) => {
    for (const e of byPod.get(key) ?? []) {
      const n = (counts.get(e) ?? 1) - 1;
      if (n <= 0) counts.delete(e);
      else counts.set(e, n);
    }
    byPod.delete(key);
  };
  const set = (pod: KObject) => {
    const key = podKey(pod);
    drop(key);
    const edges = edgesOf(pod);
    if (edges.length === 0) return;
    byPod.set(key, edges);
    for (const e of edges) counts.set(e, (counts.get(e) ?? 0) + 1);
  };
  return {
    get ready() {
      return ready;
    },
    uses: (node, namespace, kind, name) => counts.has(edge(node, namespace, kind, name)),
    replace(pods) {
      byPod.clear();
      counts.clear();
      for (const p of pods) set(p);
      ready = true;
    },
    set,
    remove: (pod) => drop(podKey(pod)),
  };
}

/** The graph, kept from a watch of every pod until `signal` aborts. */
export function startNodePodGraph(client: Client, signal: AbortSignal, onError: (err: unknown) => void): NodePodGraph {
  const graph = createNodePodGraph();
  listAndWatch(
    {
      client,
      type: { group: '', version: 'v1', resource: 'pods' },
      onList: (pods) => graph.replace(pods),
      onEvent: (ev) => (ev.type === 'DELETED' ? graph.remove(ev.object) : graph.set(ev.object)),
      onError,
    },
    signal,
  ).catch(onError);
  return graph;
}
