// The bookkeeping a Deployment keeps in annotations: the revision of each ReplicaSet (and of the
// Deployment, which is its current set's), the history of revisions a set has had (a set that
// becomes current again, as after `kubectl rollout undo`, takes the next revision), and the
// desired/max replica counts proportional scaling reads back.
import type { KObject } from '../../../registry/types.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const maxHistoryChars = 2000;

/** Deployment annotations that describe the Deployment itself, not its pods' generation. */
const notCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function revisionOf(obj: KObject | undefined): number {
  const raw = obj?.metadata.annotations?.[REVISION];
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

export const maxRevision = (rss: KObject[]): number => rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);

function set(obj: KObject, key: string, value: string): boolean {
  const annotations = (obj.metadata.annotations ??= {});
  if (annotations[key] === value) return false;
  annotations[key] = value;
  return true;
}

/** In place on `rs`; true when anything changed. */
export function setReplicasAnnotations(rs: KObject, desired: number, max: number): boolean {
  const a = set(rs, DESIRED_REPLICAS, String(desired));
  const b = set(rs, MAX_REPLICAS, String(max));
  return a || b;
}

export function replicasAnnotationsNeedUpdate(rs: KObject, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

export function desiredReplicasOf(rs: KObject): number | undefined {
  const raw = rs.metadata.annotations?.[DESIRED_REPLICAS];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) ? n : undefined;
}

export function maxReplicasOf(rs: KObject): number | undefined {
  const raw = rs.metadata.annotations?.[MAX_REPLICAS];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * The current set's annotations, in place: the Deployment's own annotations copied over, the
 * revision raised to `revision` (remembering the one it had), and for a set about to be created
 * the replica counts. True when anything changed.
 */
export function setNewReplicaSetAnnotations(o: { deployment: KObject; rs: KObject; revision: number; exists: boolean; desired: number; max: number }): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(o.deployment.metadata.annotations ?? {})) {
    if (!notCopied.has(k) && set(o.rs, k, v)) changed = true;
  }
  const had = o.rs.metadata.annotations?.[REVISION];
  const old = revisionOf(o.rs);
  if (old < o.revision) {
    set(o.rs, REVISION, String(o.revision));
    changed = true;
    if (had !== undefined) appendHistory(o.rs, had);
  }
  if (!o.exists && setReplicasAnnotations(o.rs, o.desired, o.max)) changed = true;
  return changed;
}

/** Appends `revision` to the history, dropping the oldest entries past the length cap. */
function appendHistory(rs: KObject, revision: string): void {
  const current = rs.metadata.annotations?.[REVISION_HISTORY] ?? '';
  const entries = current ? current.split(',') : [];
  entries.push(revision);
  while (entries.length > 1 && entries.join(',').length > maxHistoryChars) entries.shift();
  set(rs, REVISION_HISTORY, entries.join(','));
}
