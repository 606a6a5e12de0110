// A StatefulSet's history as ControllerRevisions, as upstream keeps it: each revision's data is a
// strategic merge patch that puts its pod template back (`{spec: {template: {..., $patch: replace}}}`),
// which is what `kubectl rollout undo statefulset` applies; `kubectl rollout history` lists them.
// Revisions are named `<set>-<hash of the template>`; returning to an old template reuses its
// revision with the next number instead of making a twin.
import type { StatefulSetSpec, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client, type ResourceType } from '../../../client/types.js';
import type { KObject } from '../../../registry/types.js';
import { semanticEqual } from '../../../registry/validation/common.js';
import { controllerRefOf, controllerRefTo } from '../controller-ref.js';
import { templateHash } from '../template-hash.js';

export const controllerRevisionsType: ResourceType = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };
const HASH_LABEL = 'controller.kubernetes.io/hash';

export const revisionData = (set: KObject) => ({ spec: { template: { ...structuredClone((set.spec as StatefulSetSpec).template), $patch: 'replace' } } });

/** The pod template a revision restores. */
export function templateOfRevision(rev: KObject): PodTemplateSpec {
  const t = { ...((rev.data as { spec?: { template?: Record<string, unknown> } })?.spec?.template ?? {}) };
  delete t.$patch;
  return t as PodTemplateSpec;
}

export const revisionNumber = (rev: KObject) => (typeof rev.revision === 'number' ? rev.revision : 0);

/** The set's own revisions, oldest first. */
export async function listRevisions(client: Client, set: KObject): Promise<KObject[]> {
  const all = (await client.list(controllerRevisionsType, { namespace: set.metadata.namespace })).items;
  return all.filter((r) => controllerRefOf(r)?.uid === set.metadata.uid).sort((a, b) => revisionNumber(a) - revisionNumber(b));
}

export interface Revisions {
  current: KObject;
  update: KObject;
  all: KObject[];
  collisionCount: number;
}

/** Finds or makes the revision of the set's template, and names the current one. */
export async function ensureRevisions(client: Client, set: KObject, existing: KObject[]): Promise<Revisions> {
  const status = (set.status ?? {}) as StatefulSetStatus;
  let collisionCount = status.collisionCount ?? 0;
  const data = revisionData(set);
  const max = existing.reduce((m, r) => Math.max(m, revisionNumber(r)), 0);
  let update = existing.find((r) => semanticEqual(r.data, data));
  const all = [...existing];
  if (update && update !== existing[existing.length - 1]) {
    // Back to an older template (a rollback): that revision becomes the newest.
    update = await client.patch(controllerRevisionsType, set.metadata.namespace, update.metadata.name!, { type: 'merge', body: { revision: max + 1 } });
    all.splice(all.findIndex((r) => r.metadata.uid === update!.metadata.uid), 1, update);
  }
  while (!update) {
    const hash = templateHash((set.spec as StatefulSetSpec).template, collisionCount);
    const rev: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${set.metadata.name}-${hash}`,
        namespace: set.metadata.namespace,
        labels: { ...((set.spec as StatefulSetSpec).selector?.matchLabels ?? {}), [HASH_LABEL]: hash },
        ownerReferences: [controllerRefTo(set)],
      },
      data,
      revision: max + 1,
    };
    try {
      update = await client.create(controllerRevisionsType, rev);
      all.push(update);
    } catch (err) {
      if (!hasReason(err, 'AlreadyExists')) throw err;
      const there = await client.get(controllerRevisionsType, set.metadata.namespace, rev.metadata.name!);
      if (controllerRefOf(there)?.uid === set.metadata.uid && semanticEqual(there.data, data)) {
        update = there;
        if (!all.some((r) => r.metadata.uid === there.metadata.uid)) all.push(there);
      } else collisionCount++;
    }
  }
  const current = all.find((r) => r.metadata.name === status.currentRevision) ?? update;
  return { current, update, all, collisionCount };
}

/** Deletes the oldest revisions beyond revisionHistoryLimit that no pod and neither status uses. */
export async function truncateHistory(client: Client, set: KObject, revs: Revisions, inUse: Set<string>): Promise<void> {
  const limit = (set.spec as StatefulSetSpec).revisionHistoryLimit ?? 10;
  const spare = revs.all.filter((r) => r !== revs.current && r !== revs.update && !inUse.has(r.metadata.name!));
  for (const r of spare.slice(0, Math.max(0, spare.length - limit))) {
    await client.delete(controllerRevisionsType, r.metadata.namespace, r.metadata.name!).catch((err) => {
      if (!hasReason(err, 'NotFound')) throw err;
    });
  }
}
