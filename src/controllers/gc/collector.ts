// The garbage collector. Watch events only keep the graph current and queue uids; a worker then
// looks at one object and converges it:
//  - an owner being deleted with the `orphan` finalizer: its dependents lose their reference to it,
//    then the finalizer goes (and with it the owner);
//  - an owner being deleted with `foregroundDeletion`: its dependents are deleted, and once none that
//    blocks it (blockOwnerDeletion) is left, the finalizer goes;
//  - an object whose owners are all gone is deleted; one that still has a live owner only drops the
//    references to the owners that are gone (or waiting for it to go).
// Whether an owner is gone is checked against the API server when the graph has not seen it, so a
// dependent that arrives before its owner's watch event is never collected by mistake.
import { hasReason, type Client, type DeleteOptions, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { WorkQueue } from '../../client/work-queue.js';
import { workQueueMetrics } from '../../instrumentation/workqueue-metrics.js';
import { DependencyGraph, foregroundFinalizer, isDeletingDependents, nodeOf, orphanFinalizer, sameOwners, type GraphNode, type KindRef, type OwnerRef } from './graph.js';
import { watchKind } from './kind-watch.js';

export interface GarbageCollectorOptions {
  client: Client;
  /** Every kind whose objects may own or depend on others. Events are never looked at, as upstream. */
  kinds: KindRef[];
  /** Kinds that start or stop being served later (custom resources): the collector follows them too. */
  followKinds?(handlers: { added(k: KindRef): void; removed(k: KindRef): void }): void;
  workers?: number;
  /** How often an owner waiting for its dependents is looked at again, besides their own events. */
  recheckMs?: number;
  onError?(key: string, err: unknown): void;
}

export interface RunningGarbageCollector {
  readonly stopped: Promise<void>;
  /** For tests and diagnostics. */
  readonly graph: DependencyGraph;
}

const ignored = (k: KindRef) => k.resource === 'events' && (k.group === '' || k.group === 'events.k8s.io');

const apiVersionOf = (k: KindRef) => (k.group ? `${k.group}/${k.version}` : k.version);
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

type OwnerState = 'solid' | 'dangling' | 'waiting';

export async function runGarbageCollector(o: GarbageCollectorOptions, signal: AbortSignal): Promise<RunningGarbageCollector> {
  const graph = new DependencyGraph();
  const queue = new WorkQueue({ metrics: workQueueMetrics('garbage_collector_attempt_to_delete') });
  signal.addEventListener('abort', () => queue.close(), { once: true });
  const report = (key: string, err: unknown) => {
    try {
      o.onError?.(key, err);
    } catch {
      // nothing left to tell
    }
  };
  const kinds = o.kinds.filter((k) => !ignored(k));
  const byGroupKind = new Map<string, KindRef>();
  for (const k of kinds) {
    byGroupKind.set(`${apiVersionOf(k)}/${k.kind}`, k);
    if (!byGroupKind.has(`${k.group}//${k.kind}`)) byGroupKind.set(`${k.group}//${k.kind}`, k);
  }
  // Owner references may name another version of the kind: the group and kind decide.
  const kindOfRef = (ref: OwnerRef): KindRef | undefined =>
    byGroupKind.get(`${ref.apiVersion}/${ref.kind}`) ?? byGroupKind.get(`${groupOf(ref.apiVersion)}//${ref.kind}`);
  const typeOf = (k: KindRef): ResourceType => ({ group: k.group, version: k.version, resource: k.resource });

  // --- graph upkeep: events queue the uids whose situation may have changed -------------------------
  const enqueueWaitingOwners = (n: GraphNode) => {
    for (const ref of n.owners) {
      const owner = graph.get(ref.uid);
      if (owner && isDeletingDependents(owner)) queue.add(owner.uid);
    }
  };
  const upsert = (type: KindRef, obj: KObject) => {
    const node = nodeOf(type, obj);
    const prev = graph.upsert(node);
    const needsAttention =
      (node.owners.length > 0 && !sameOwners(prev, node)) ||
      (node.deleting && (node.finalizers.includes(orphanFinalizer) || node.finalizers.includes(foregroundFinalizer)));
    if (needsAttention) queue.add(node.uid);
    // A dependent that started going, or dropped its reference, may unblock a foreground owner.
    if (prev) enqueueWaitingOwners(prev);
    enqueueWaitingOwners(node);
  };
  const removed = (uid: string) => {
    const prev = graph.remove(uid);
    for (const dep of graph.dependentsOf(uid)) queue.add(dep.uid);
    if (prev) enqueueWaitingOwners(prev);
  };

  // --- actions ------------------------------------------------------------------------------------
  /** Reads the object fresh, changes its metadata with `edit` (false: nothing to do), writes it.
   *  The edits only remove things, so when another writer got in between, doing it again on what
   *  that writer stored is always right. */
  const editMeta = async (n: GraphNode, edit: (obj: KObject) => boolean): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      let obj: KObject;
      try {
        obj = await o.client.get(typeOf(n.type), n.namespace, n.name);
      } catch (err) {
        if (hasReason(err, 'NotFound')) return;
        throw err;
      }
      if (obj.metadata.uid !== n.uid) return;
      const next = structuredClone(obj);
      if (!edit(next)) return;
      try {
        await o.client.update(typeOf(n.type), next);
        return;
      } catch (err) {
        if (hasReason(err, 'NotFound')) return;
        if (!hasReason(err, 'Conflict') || attempt >= 4) throw err; // the queue retries later
      }
    }
  };
  const removeFinalizer = (n: GraphNode, finalizer: string) =>
    editMeta(n, (obj) => {
      const before = obj.metadata.finalizers ?? [];
      if (!before.includes(finalizer)) return false;
      obj.metadata.finalizers = before.filter((f) => f !== finalizer);
      return true;
    });
  const removeOwnerRefs = (n: GraphNode, uids: Set<string>) =>
    editMeta(n, (obj) => {
      const before = obj.metadata.ownerReferences ?? [];
      const after = before.filter((r) => !uids.has(r.uid));
      if (after.length === before.length) return false;
      if (after.length > 0) obj.metadata.ownerReferences = after;
      else delete obj.metadata.ownerReferences;
      return true;
    });
  const deleteNode = async (n: GraphNode, policy: NonNullable<DeleteOptions['propagationPolicy']>) => {
    try {
      await o.client.delete(typeOf(n.type), n.namespace, n.name, { propagationPolicy: policy, preconditions: { uid: n.uid } });
    } catch (err) {
      // Gone already, or a new object under the same name: not ours to delete.
      if (!hasReason(err, 'NotFound') && !hasReason(err, 'Conflict')) throw err;
    }
  };

  const ownerState = async (dependent: GraphNode, ref: OwnerRef): Promise<OwnerState> => {
    const seen = graph.get(ref.uid);
    if (seen) return isDeletingDependents(seen) ? 'waiting' : 'solid';
    const kind = kindOfRef(ref);
    // A kind we cannot look up, or a cluster-scoped object naming a namespaced owner: never guess.
    if (!kind || (kind.namespaced && !dependent.namespace)) return 'solid';
    try {
      const owner = await o.client.get(typeOf(kind), kind.namespaced ? dependent.namespace : undefined, ref.name);
      if (owner.metadata.uid !== ref.uid) return 'dangling';
      const finalizers = owner.metadata.finalizers ?? [];
      return owner.metadata.deletionTimestamp && finalizers.includes(foregroundFinalizer) ? 'waiting' : 'solid';
    } catch (err) {
      if (hasReason(err, 'NotFound')) return 'dangling';
      throw err;
    }
  };

  /** A dependent whose owners may be gone or going. */
  const attemptToDelete = async (n: GraphNode): Promise<void> => {
    if (n.deleting) return;
    if (n.owners.length === 0) return;
    const states = await Promise.all(n.owners.map((ref) => ownerState(n, ref)));
    const uidsIn = (state: OwnerState) => n.owners.filter((_, i) => states[i] === state).map((r) => r.uid);
    const solid = uidsIn('solid');
    const dangling = uidsIn('dangling');
    const waiting = uidsIn('waiting');
    if (solid.length > 0) {
      if (dangling.length + waiting.length > 0) await removeOwnerRefs(n, new Set([...dangling, ...waiting]));
      return;
    }
    // An owner waits for this one in the foreground: its own dependents go first, the same way.
    if (waiting.length > 0 && graph.dependentsOf(n.uid).length > 0) return deleteNode(n, 'Foreground');
    const policy = n.finalizers.includes(orphanFinalizer) ? 'Orphan' : n.finalizers.includes(foregroundFinalizer) ? 'Foreground' : 'Background';
    await deleteNode(n, policy);
  };

  const orphanDependents = async (owner: GraphNode): Promise<void> => {
    const only = new Set([owner.uid]);
    for (const dep of graph.dependentsOf(owner.uid)) await removeOwnerRefs(dep, only);
    await removeFinalizer(owner, orphanFinalizer);
  };

  const deleteDependentsFirst = async (owner: GraphNode): Promise<{ requeueAfterMs?: number }> => {
    const deps = graph.dependentsOf(owner.uid);
    const blocking = deps.filter((d) => d.owners.some((r) => r.uid === owner.uid && r.blockOwnerDeletion));
    if (blocking.length === 0) {
      await removeFinalizer(owner, foregroundFinalizer);
      return {};
    }
    for (const dep of deps) {
      if (isDeletingDependents(dep)) queue.add(dep.uid);
      else await attemptToDelete(dep);
    }
    return { requeueAfterMs: o.recheckMs ?? 5000 };
  };

  const reconcile = async (uid: string): Promise<{ requeueAfterMs?: number }> => {
    const n = graph.get(uid);
    if (!n) return {};
    if (n.deleting) {
      if (n.finalizers.includes(orphanFinalizer)) await orphanDependents(n);
      else if (n.finalizers.includes(foregroundFinalizer)) return deleteDependentsFirst(n);
      return {};
    }
    await attemptToDelete(n);
    return {};
  };

  // The graph must be complete before anything is judged by it: every kind is listed first.
  const handlers = { upsert, removed, onError: (err: unknown) => report('', err) };
  for (const k of kinds) {
    try {
      await watchKind(o.client, graph, k, handlers, signal);
    } catch (err) {
      report(`${k.resource}.${k.group}`, err);
    }
  }

  // A kind added later is watched under its own signal, so withdrawing it ends just that watch;
  // its objects leave the graph as if deleted (they are: a CRD goes only after its objects).
  const late = new Map<string, AbortController>();
  o.followKinds?.({
    added(k) {
      if (ignored(k) || signal.aborted) return;
      byGroupKind.set(`${apiVersionOf(k)}/${k.kind}`, k);
      if (!byGroupKind.has(`${k.group}//${k.kind}`)) byGroupKind.set(`${k.group}//${k.kind}`, k);
      const stop = new AbortController();
      late.get(`${k.group}/${k.resource}`)?.abort();
      late.set(`${k.group}/${k.resource}`, stop);
      signal.addEventListener('abort', () => stop.abort(), { once: true });
      watchKind(o.client, graph, k, handlers, stop.signal).catch((err) => report(`${k.resource}.${k.group}`, err));
    },
    removed(k) {
      late.get(`${k.group}/${k.resource}`)?.abort();
      late.delete(`${k.group}/${k.resource}`);
      byGroupKind.delete(`${apiVersionOf(k)}/${k.kind}`);
      if (byGroupKind.get(`${k.group}//${k.kind}`) === k) byGroupKind.delete(`${k.group}//${k.kind}`);
      for (const uid of graph.uidsOfType(k)) handlers.removed(uid);
    },
  });

  const worker = async () => {
    for (let key = await queue.next(); key !== undefined; key = await queue.next()) {
      try {
        const result = await reconcile(key);
        queue.forget(key);
        if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        report(key, err);
        queue.retry(key);
      } finally {
        queue.done(key);
      }
    }
  };
  const workers = Array.from({ length: o.workers ?? 4 }, () => worker());
  return { graph, stopped: Promise.all(workers).then(() => undefined) };
}
