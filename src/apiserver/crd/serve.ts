// Serves what CustomResourceDefinitions declare. Every server process runs one: it follows the CRDs
// (list, then watch) and, for each, judges its names, adds or withdraws its kinds in the dynamic
// registry (discovery, OpenAPI and the handlers read it, so a new CRD is served at once), keeps its
// status conditions (NamesAccepted, Established, Terminating) and, when it is deleted, deletes every
// object of it before letting the CRD go. A CRD is handled by one worker at a time.
import { hasReason, type Client, type ResourceType } from '../../client/types.js';
import { listAndWatch } from '../../client/list-watch.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { DynamicRegistry } from '../../registry/dynamic.js';
import { crdToDescriptors, customResourceInfo } from '../../registry/crd/descriptors.js';
import { CRD_CLEANUP_FINALIZER, type CrdCondition, type CrdSpec, type CrdStatus } from '../../registry/crd/types.js';
import type { KObject } from '../../registry/types.js';
import type { ResourceContext } from '../resources/context.js';
import { judgeNames } from './names.js';
import { deleteAllObjects } from './cleanup.js';
import { nowRfc3339 } from '../resources/prepare.js';

export const CRD_TYPE: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };

export interface CrdServingOptions {
  ctx: ResourceContext;
  registry: DynamicRegistry;
  client: Client;
  onError?(key: string, err: unknown): void;
  /** How soon a CRD whose objects are still held by their finalizers is looked at again. */
  cleanupRecheckMs?: number;
}

export interface CrdServing {
  readonly stopped: Promise<void>;
  /** CRDs being deleted: their kinds take no new objects. */
  isTerminating(crdName: string): boolean;
}

const condition = (type: string, ok: boolean, reason: string, message: string): CrdCondition => ({ type, status: ok ? 'True' : 'False', reason, message });

/** The status the controller wants, keeping transition times of conditions that did not change. */
function desiredStatus(crd: KObject, accepted: boolean, verdict: { reason: string; message: string }, wasEstablished: boolean): CrdStatus {
  const spec = crd.spec as CrdSpec;
  const current = (crd.status ?? {}) as CrdStatus;
  const names = spec.names;
  const established = accepted || wasEstablished;
  const want: CrdCondition[] = [
    condition('NamesAccepted', accepted, verdict.reason, verdict.message),
    established ? condition('Established', true, 'InitialNamesAccepted', 'the initial names have been accepted') : condition('Established', false, 'NotAccepted', 'not all names are accepted'),
  ];
  if (crd.metadata.deletionTimestamp) want.push(condition('Terminating', true, 'InstanceDeletionInProgress', 'CustomResource deletion is in progress'));
  const now = nowRfc3339();
  const conditions = want.map((c) => {
    const before = current.conditions?.find((x) => x.type === c.type);
    return { ...c, lastTransitionTime: before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now };
  });
  const acceptedNames = accepted
    ? {
        plural: names.plural,
        singular: names.singular || names.kind.toLowerCase(),
        ...(names.shortNames?.length ? { shortNames: [...names.shortNames] } : {}),
        kind: names.kind,
        listKind: names.listKind || `${names.kind}List`,
        ...(names.categories?.length ? { categories: [...names.categories] } : {}),
      }
    : current.acceptedNames ?? { plural: '', kind: '' };
  return { ...current, conditions, acceptedNames };
}

const comparable = (s: CrdStatus | undefined) => JSON.stringify({ ...s, conditions: (s?.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c) });

export async function serveCustomResources(o: CrdServingOptions, signal: AbortSignal): Promise<CrdServing> {
  const known = new Map<string, KObject>();
  const terminating = new Set<string>();
  const registered = new Map<string, string>();
  const queue = new WorkQueue();
  signal.addEventListener('abort', () => queue.close(), { once: true });
  const report = (key: string, err: unknown) => {
    try {
      o.onError?.(key, err);
    } catch {
      // nothing left to tell
    }
  };

  /** Judges the CRD's names and, if accepted, serves its kinds: no await, so no other CRD's
   *  judgement interleaves. */
  const serve = (name: string, crd: KObject) => {
    const spec = crd.spec as CrdSpec;
    const others = o.registry.descriptors.filter((d) => customResourceInfo(d)?.crd !== name);
    const verdict = judgeNames(spec.group, spec.names, others);
    // Status-only changes leave the served kinds (and every document built from them) as they are.
    const specText = JSON.stringify(crd.spec);
    if (verdict.accepted && registered.get(name) !== specText) {
      o.registry.set(name, crdToDescriptors(crd));
      registered.set(name, specText);
    }
    return verdict;
  };

  const reconcile = async (name: string): Promise<number | undefined> => {
    const crd = known.get(name);
    if (!crd) {
      terminating.delete(name);
      registered.delete(name);
      o.registry.set(name, []);
      return undefined;
    }
    const deleting = !!crd.metadata.deletionTimestamp;
    if (deleting) terminating.add(name);
    else terminating.delete(name);
    const serving = o.registry.ownedBy(name).length > 0;
    const verdict = serve(name, crd);
    const wasEstablished = ((crd.status as CrdStatus | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    const status = desiredStatus(crd, verdict.accepted || serving, verdict.accepted || serving ? { reason: 'NoConflicts', message: 'no conflicts found' } : verdict, wasEstablished);
    if (comparable(status) !== comparable(crd.status as CrdStatus)) {
      const updated = await o.client.update(CRD_TYPE, { ...crd, status }, { subresource: 'status' });
      known.set(name, updated);
    }
    if (deleting && (crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) {
      const left = await deleteAllObjects(o.ctx, crd);
      if (left > 0) return o.cleanupRecheckMs ?? 500;
      const latest = known.get(name) ?? crd;
      await o.client.update(CRD_TYPE, { ...latest, metadata: { ...latest.metadata, finalizers: (latest.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER) } });
    }
    return undefined;
  };

  const worker = async () => {
    for (let key = await queue.next(); key !== undefined; key = await queue.next()) {
      try {
        const again = await reconcile(key);
        queue.forget(key);
        if (again !== undefined) queue.addAfter(key, again);
      } catch (err) {
        // A Conflict means a newer CRD is on its way through the watch; that event queues it again.
        if (!hasReason(err, 'Conflict') && !hasReason(err, 'NotFound')) report(key, err);
        queue.retry(key);
      } finally {
        queue.done(key);
      }
    }
  };

  const byAge = (a: KObject, b: KObject) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) || String(a.metadata.name).localeCompare(String(b.metadata.name));
  await listAndWatch(
    {
      client: o.client,
      type: CRD_TYPE,
      onList(items) {
        const present = new Set(items.map((c) => c.metadata.name!));
        for (const name of known.keys()) if (!present.has(name)) {
          known.delete(name);
          queue.add(name);
        }
        // The older CRD keeps names two of them claim, as upstream.
        for (const crd of [...items].sort(byAge)) {
          known.set(crd.metadata.name!, crd);
          // Served before the first list returns, so a restarted server answers for its CRDs at once.
          if (o.registry.ownedBy(crd.metadata.name!).length === 0) serve(crd.metadata.name!, crd);
          queue.add(crd.metadata.name!);
        }
      },
      onEvent(ev) {
        const name = ev.object.metadata.name!;
        if (ev.type === 'DELETED') known.delete(name);
        else known.set(name, ev.object);
        queue.add(name);
      },
      onError: (err) => report('customresourcedefinitions', err),
    },
    signal,
  );
  // The queue never hands one CRD to two workers; judging and registering happen with no await in
  // between, so workers never see each other's half-done work. Status writes overlap.
  const stopped = Promise.all(Array.from({ length: 4 }, () => worker())).then(() => undefined);
  return { stopped, isTerminating: (name) => terminating.has(name) };
}
