// Which objects a quota's scopes admit. Scopes describe pods only, so a scoped quota counts no
// other kind, as upstream.
import type { KObject } from '../types.js';
import { isBestEffort, isTerminating, type KindRef } from './usage.js';

export const SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

interface ScopeRequirement {
  scopeName?: string;
  operator?: string;
  values?: string[];
}

/** The quota's scopes as requirements: `spec.scopes` (each an Exists) and `spec.scopeSelector`. */
export function scopeRequirements(quota: KObject): ScopeRequirement[] {
  const spec = (quota.spec ?? {}) as { scopes?: string[]; scopeSelector?: { matchExpressions?: ScopeRequirement[] } };
  const out: ScopeRequirement[] = (spec.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' }));
  return out.concat(spec.scopeSelector?.matchExpressions ?? []);
}

function podMatches(r: ScopeRequirement, pod: KObject): boolean {
  const spec = (pod.spec ?? {}) as { priorityClassName?: string; affinity?: Record<string, { requiredDuringSchedulingIgnoredDuringExecution?: Array<{ namespaces?: string[]; namespaceSelector?: unknown }> }> };
  switch (r.scopeName) {
    case 'Terminating': return isTerminating(pod);
    case 'NotTerminating': return !isTerminating(pod);
    case 'BestEffort': return isBestEffort(pod);
    case 'NotBestEffort': return !isBestEffort(pod);
    case 'PriorityClass': {
      const name = spec.priorityClassName ?? '';
      switch (r.operator) {
        case 'Exists': return name !== '';
        case 'DoesNotExist': return name === '';
        case 'In': return name !== '' && (r.values ?? []).includes(name);
        case 'NotIn': return name === '' || !(r.values ?? []).includes(name);
        default: return false;
      }
    }
    case 'CrossNamespacePodAffinity': {
      const terms = ['podAffinity', 'podAntiAffinity'].flatMap((k) => spec.affinity?.[k]?.requiredDuringSchedulingIgnoredDuringExecution ?? []);
      return terms.some((t) => (t.namespaces?.length ?? 0) > 0 || t.namespaceSelector !== undefined);
    }
    default: return false;
  }
}

/** Does the quota count this object at all, by its scopes? */
export function scopesMatch(quota: KObject, k: KindRef, obj: KObject): boolean {
  const reqs = scopeRequirements(quota);
  if (reqs.length === 0) return true;
  if (k.group !== '' || k.plural !== 'pods') return false;
  return reqs.every((r) => podMatches(r, obj));
}
