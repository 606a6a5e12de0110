// Moving from client-side to server-side apply: `kubectl apply --server-side` (manager `kubectl`)
// over an object last written by `kubectl apply` conflicts with kubectl-client-side-apply on every
// field it changes. As upstream, such conflicts are allowed (the apply takes the fields over) when
// each conflicting field is in the object's last-applied-configuration, that is, was the user's own
// configuration all along.
import type { TypePatchMeta } from '../../registry/patch-meta.js';
import type { KObject } from '../../registry/types.js';
import { fieldSetOf } from './field-set.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

export function conflictsAllowedByLastApplied(manager: string, live: KObject, conflictKeys: readonly string[], meta: TypePatchMeta | undefined): boolean {
  if (manager !== 'kubectl' || conflictKeys.length === 0) return false;
  const text = live.metadata.annotations?.[lastAppliedAnnotation];
  if (typeof text !== 'string' || text === '') return false;
  let applied: unknown;
  try {
    applied = JSON.parse(text);
  } catch {
    return false;
  }
  if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) return false;
  const allowed = fieldSetOf(applied as Record<string, unknown>, meta);
  return conflictKeys.every((k) => allowed.has(k));
}
